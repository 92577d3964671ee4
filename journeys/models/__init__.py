from journeys.models.enrollment import (
    LIVE_STATUSES,
    Enrollment,
    EnrollmentStatus,
    NodeVisitCount,
    PassLog,
    StepLog,
)
from journeys.models.entry_state import SegmentState, SegmentTracking
from journeys.models.journey import Journey, JourneyStatus, JourneyVersion
from journeys.models.simulation import SimulationRun, SimulationStatus

__all__ = [
    "LIVE_STATUSES",
    "Enrollment",
    "EnrollmentStatus",
    "Journey",
    "JourneyStatus",
    "JourneyVersion",
    "NodeVisitCount",
    "PassLog",
    "SegmentState",
    "SegmentTracking",
    "SimulationRun",
    "SimulationStatus",
    "StepLog",
]
