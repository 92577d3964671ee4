from journeys.models.journey import Journey, JourneyStatus, JourneyVersion

__all__ = ["Journey", "JourneyStatus", "JourneyVersion"]
