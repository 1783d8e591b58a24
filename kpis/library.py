"""The built-in customer-service KPI library, as data.

Figures come from the seed documents the product was built from: a catalogue of customer-service KPIs in four groups
with benchmarks, three escalation-rate write-ups with worked examples, and a contact-rate case. Every formula is a
ratio of sums of additive measures, so it stays correct when days, teams and channels are pooled.
`kpis.services.library.kpi_library_load` writes it to the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpis.models import Direction, Indicator, Unit

AGENT_PERFORMANCE = "Agent performance"
CUSTOMER_SATISFACTION = "Customer satisfaction"
ISSUE_RESOLUTION = "Issue resolution"
EFFICIENCY = "Efficiency"
CATEGORIES = (AGENT_PERFORMANCE, CUSTOMER_SATISFACTION, ISSUE_RESOLUTION, EFFICIENCY)

_CATALOGUE = "Customer service KPI catalogue (seed 004)"
_ESCALATED_CALLS = "Escalated Calls KPI write-up, worked example (seed 001)"
_ESCALATION_RATE = "Escalation Rate KPI definition, worked example for Q1 (seed 002)"


@dataclass(frozen=True)
class MeasureSpec:
    key: str
    name: str
    unit: str
    description: str


@dataclass(frozen=True)
class DimensionSpec:
    key: str
    name: str
    description: str


@dataclass(frozen=True)
class BenchmarkSpec:
    label: str
    low: float | None
    high: float | None
    source: str


@dataclass(frozen=True)
class KpiSpec:
    key: str
    name: str
    category: str
    description: str
    formula: str
    unit: Unit
    direction: Direction
    indicator: Indicator
    decimals: int = 1
    green_min: float | None = None
    green_max: float | None = None
    amber_min: float | None = None
    amber_max: float | None = None
    possible_min: float | None = None
    possible_max: float | None = None
    benchmarks: tuple[BenchmarkSpec, ...] = ()
    related: tuple[str, ...] = ()


MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("total_contacts", "Total contacts", "contacts", "Contacts handled (calls, emails, chats, tickets)."),
    MeasureSpec("escalated_contacts", "Escalated contacts", "contacts", "Contacts handed to a higher support tier."),
    MeasureSpec(
        "first_contact_resolved",
        "Contacts resolved at first contact",
        "contacts",
        "Contacts fully resolved in the first interaction, without callback or transfer.",
    ),
    MeasureSpec(
        "handle_time_seconds",
        "Handle time",
        "seconds",
        "Total handle time of the contacts: talk, hold and wrap-up, in seconds.",
    ),
    MeasureSpec("transferred_contacts", "Transferred contacts", "contacts", "Contacts transferred to another agent."),
    MeasureSpec("repeat_contacts", "Repeat contacts", "contacts", "Contacts about an issue already raised before."),
    MeasureSpec("csat_responses", "CSAT responses", "responses", "Answers to the satisfaction survey."),
    MeasureSpec(
        "csat_satisfied", "Satisfied CSAT responses", "responses", "Survey answers in the top two satisfaction boxes."
    ),
    MeasureSpec("nps_responses", "NPS responses", "responses", "Answers to the 0-10 recommendation question."),
    MeasureSpec("nps_promoters", "NPS promoters", "responses", "Recommendation answers of 9 or 10."),
    MeasureSpec("nps_detractors", "NPS detractors", "responses", "Recommendation answers of 0 to 6."),
    MeasureSpec("ces_responses", "CES responses", "responses", "Answers to the customer-effort question."),
    MeasureSpec("ces_score_sum", "CES score total", "points", "Sum of the customer-effort answers on a 1-5 scale."),
    MeasureSpec("tickets_closed", "Tickets closed", "tickets", "Tickets closed as resolved."),
    MeasureSpec(
        "tickets_reopened", "Tickets reopened", "tickets", "Closed tickets reopened for incomplete resolution."
    ),
    MeasureSpec(
        "resolution_time_seconds",
        "Resolution time",
        "seconds",
        "Total time the closed tickets were open, from creation to resolution, in seconds.",
    ),
    MeasureSpec(
        "self_service_sessions", "Self-service sessions", "sessions", "Visits to the knowledge base or help centre."
    ),
    MeasureSpec(
        "self_service_resolved",
        "Self-service sessions resolved",
        "sessions",
        "Knowledge-base visits that found an answer without contacting support.",
    ),
    MeasureSpec(
        "deflected_contacts",
        "Deflected contacts",
        "contacts",
        "Requests answered by self-service, chatbots or forums instead of an agent.",
    ),
    MeasureSpec("orders", "Orders", "orders", "Customer orders, the base of the contact rate."),
    MeasureSpec("logged_in_seconds", "Logged-in time", "seconds", "Agents' total logged-in time, in seconds."),
    MeasureSpec("scheduled_minutes", "Scheduled minutes", "minutes", "Agents' scheduled working minutes."),
    MeasureSpec(
        "adherent_minutes", "Adherent minutes", "minutes", "Scheduled minutes in which agents did what was planned."
    ),
    MeasureSpec("overtime_minutes", "Overtime minutes", "minutes", "Minutes worked beyond the schedule."),
    MeasureSpec("service_cost", "Service cost", "currency", "Total cost of running customer service."),
)

DIMENSIONS: tuple[DimensionSpec, ...] = (
    DimensionSpec("team", "Team", "The support team that handled the contact, e.g. Tier 1, Tier 2, Billing."),
    DimensionSpec("channel", "Channel", "How the customer reached support: phone, email, chat …"),
    DimensionSpec("region", "Region", "Where the customer is."),
    DimensionSpec("customer_tier", "Customer tier", "The customer's plan or value segment."),
)

KPIS: tuple[KpiSpec, ...] = (
    # Agent performance
    KpiSpec(
        key="average_handle_time",
        name="Average Handle Time",
        category=AGENT_PERFORMANCE,
        description=(
            "Average time to handle a contact, talk, hold and wrap-up included. Compare it per channel: "
            "calls, emails and chats differ. A falling trend means faster handling; watch CSAT and FCR alongside."
        ),
        formula="handle_time_seconds / total_contacts",
        unit=Unit.SECONDS,
        decimals=0,
        direction=Direction.LOWER,
        indicator=Indicator.LEADING,
        green_max=120,
        amber_max=240,
        benchmarks=(BenchmarkSpec("Inbound calls", 60, 120, _CATALOGUE),),
        related=("first_contact_resolution_rate", "csat", "agent_utilization"),
    ),
    KpiSpec(
        key="schedule_adherence",
        name="Schedule Adherence",
        category=AGENT_PERFORMANCE,
        description="Share of scheduled time in which agents worked as planned; low adherence hurts service levels.",
        formula="100 * adherent_minutes / scheduled_minutes",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        indicator=Indicator.LEADING,
        green_min=90,
        amber_min=85,
        benchmarks=(BenchmarkSpec("Target", 90, 95, _CATALOGUE),),
        related=("agent_utilization", "overtime_rate"),
    ),
    KpiSpec(
        key="agent_utilization",
        name="Agent Utilization",
        category=AGENT_PERFORMANCE,
        description=(
            "Share of logged-in time agents spend handling contacts. Too low wastes capacity; too high burns "
            "agents out, so the goal is a band."
        ),
        formula="100 * handle_time_seconds / logged_in_seconds",
        unit=Unit.PERCENT,
        direction=Direction.BAND,
        indicator=Indicator.LEADING,
        green_min=85,
        green_max=90,
        amber_min=80,
        amber_max=95,
        benchmarks=(BenchmarkSpec("Optimal", 85, 90, _CATALOGUE),),
        related=("schedule_adherence", "average_handle_time"),
    ),
    KpiSpec(
        key="transfer_rate",
        name="Transfer Rate",
        category=AGENT_PERFORMANCE,
        description="Share of contacts transferred to another agent; transfers undo first-contact resolution.",
        formula="100 * transferred_contacts / total_contacts",
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        indicator=Indicator.LEADING,
        related=("first_contact_resolution_rate", "contact_escalation_rate"),
    ),
    # Customer satisfaction
    KpiSpec(
        key="csat",
        name="Customer Satisfaction (CSAT)",
        category=CUSTOMER_SATISFACTION,
        description=(
            "Share of survey answers after a contact that are satisfied. Falling CSAT often comes before rising "
            "escalations; per agent it shows coaching needs."
        ),
        formula="100 * csat_satisfied / csat_responses",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        indicator=Indicator.LAGGING,
        green_min=85,
        amber_min=75,
        benchmarks=(BenchmarkSpec("Excellent", 85, 90, _CATALOGUE),),
        related=("net_promoter_score", "customer_effort_score", "contact_escalation_rate"),
    ),
    KpiSpec(
        key="net_promoter_score",
        name="Net Promoter Score (NPS)",
        category=CUSTOMER_SATISFACTION,
        description="Promoters minus detractors, as points out of 100 responses to the 0-10 recommendation question.",
        formula="100 * (nps_promoters - nps_detractors) / nps_responses",
        unit=Unit.SCORE,
        decimals=0,
        direction=Direction.HIGHER,
        indicator=Indicator.LAGGING,
        green_min=50,
        amber_min=30,
        benchmarks=(BenchmarkSpec("Excellent", 50, None, _CATALOGUE),),
        related=("csat", "customer_effort_score"),
    ),
    KpiSpec(
        key="customer_effort_score",
        name="Customer Effort Score (CES)",
        category=CUSTOMER_SATISFACTION,
        description="Average effort rating on a 1-5 scale where 5 means the issue was easy to get resolved.",
        formula="ces_score_sum / ces_responses",
        unit=Unit.SCORE,
        decimals=2,
        direction=Direction.HIGHER,
        indicator=Indicator.LAGGING,
        green_min=4,
        amber_min=3.5,
        benchmarks=(BenchmarkSpec("Good", 4, None, _CATALOGUE),),
        related=("csat", "first_contact_resolution_rate"),
    ),
    KpiSpec(
        key="repeat_contact_rate",
        name="Repeat Contact Rate",
        category=CUSTOMER_SATISFACTION,
        description="Share of contacts about an issue the customer raised before; low means issues get solved.",
        formula="100 * repeat_contacts / total_contacts",
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        indicator=Indicator.LAGGING,
        green_max=10,
        amber_max=15,
        benchmarks=(BenchmarkSpec("Good", None, 10, _CATALOGUE),),
        related=("first_contact_resolution_rate", "reopened_ticket_rate"),
    ),
    KpiSpec(
        key="contact_rate",
        name="Customer Service Contact Rate",
        category=CUSTOMER_SATISFACTION,
        description=(
            "Contacts per 100 orders; compare it across segments. In the seeds' case a telecom company cut it from "
            "12% to 8% in six months by fixing billing clarity and announcing outages proactively."
        ),
        formula="100 * total_contacts / orders",
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        indicator=Indicator.LEADING,
        green_max=8,
        amber_max=12,
        related=("self_service_rate", "contact_deflection_rate"),
    ),
    # Issue resolution
    KpiSpec(
        key="first_contact_resolution_rate",
        name="First Contact Resolution (FCR)",
        category=ISSUE_RESOLUTION,
        description=(
            "Share of contacts fully resolved in the first interaction, without callback or transfer. Low FCR is "
            "an early signal of rising escalations."
        ),
        formula="100 * first_contact_resolved / total_contacts",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        indicator=Indicator.LEADING,
        green_min=80,
        amber_min=70,
        benchmarks=(BenchmarkSpec("Good", 80, None, _CATALOGUE),),
        related=("contact_escalation_rate", "repeat_contact_rate", "average_handle_time"),
    ),
    KpiSpec(
        key="contact_escalation_rate",
        name="Contact Escalation Rate",
        category=ISSUE_RESOLUTION,
        description=(
            "Share of contacts escalated from the front line to a higher tier, supervisor or specialist. A rising "
            "rate points to training, tooling or knowledge gaps; segment it by team, channel and customer tier."
        ),
        formula="100 * escalated_contacts / total_contacts",
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        indicator=Indicator.LAGGING,
        green_max=10,
        amber_max=20,
        benchmarks=(
            BenchmarkSpec("Worked example: 50 escalated of 500 tickets", 10, 10, _ESCALATED_CALLS),
            BenchmarkSpec("Worked example: 200 escalated of 1,000 cases", 20, 20, _ESCALATION_RATE),
        ),
        related=("first_contact_resolution_rate", "csat", "transfer_rate"),
    ),
    KpiSpec(
        key="reopened_ticket_rate",
        name="Reopened Ticket Rate",
        category=ISSUE_RESOLUTION,
        description="Share of closed tickets reopened because the resolution was incomplete.",
        formula="100 * tickets_reopened / tickets_closed",
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        indicator=Indicator.LAGGING,
        green_max=10,
        amber_max=15,
        benchmarks=(BenchmarkSpec("Good", None, 10, _CATALOGUE),),
        related=("repeat_contact_rate", "first_contact_resolution_rate"),
    ),
    KpiSpec(
        key="average_resolution_time",
        name="Average Resolution Time",
        category=ISSUE_RESOLUTION,
        description="Average time a ticket stays open until resolved; compare it by issue type and severity.",
        formula="resolution_time_seconds / tickets_closed",
        unit=Unit.SECONDS,
        decimals=0,
        direction=Direction.LOWER,
        indicator=Indicator.LAGGING,
        related=("reopened_ticket_rate", "first_contact_resolution_rate"),
    ),
    KpiSpec(
        key="self_service_rate",
        name="Knowledge Base Self-Service Rate",
        category=ISSUE_RESOLUTION,
        description="Share of knowledge-base visits that found an answer without contacting support.",
        formula="100 * self_service_resolved / self_service_sessions",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        indicator=Indicator.LEADING,
        green_min=20,
        amber_min=15,
        benchmarks=(BenchmarkSpec("Target", 20, None, _CATALOGUE),),
        related=("contact_deflection_rate", "contact_rate"),
    ),
    # Efficiency
    KpiSpec(
        key="cost_per_contact",
        name="Cost per Contact",
        category=EFFICIENCY,
        description="Total customer-service cost divided by contacts handled.",
        formula="service_cost / total_contacts",
        unit=Unit.CURRENCY,
        decimals=2,
        direction=Direction.LOWER,
        indicator=Indicator.LAGGING,
        related=("average_handle_time", "contact_deflection_rate"),
    ),
    KpiSpec(
        key="contact_deflection_rate",
        name="Contact Deflection Rate",
        category=EFFICIENCY,
        description="Share of requests answered by self-service, chatbots or forums instead of an agent.",
        formula="100 * deflected_contacts / (deflected_contacts + total_contacts)",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        indicator=Indicator.LEADING,
        related=("self_service_rate", "cost_per_contact"),
    ),
    KpiSpec(
        key="overtime_rate",
        name="Overtime Rate",
        category=EFFICIENCY,
        description="Overtime as a share of scheduled time; high values mean unplanned peaks and tired agents.",
        formula="100 * overtime_minutes / scheduled_minutes",
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        indicator=Indicator.LEADING,
        related=("schedule_adherence", "agent_utilization"),
    ),
)
