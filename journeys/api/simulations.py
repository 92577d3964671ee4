"""Dry runs: POST /journeys/{id}/simulate/ and GET /simulations/{id}/.

The request is judged in stages, each answering 400 with located errors: its shape, the
version it names, the journey document itself (the errors publishing would give), then what
the request refers to inside that document. Only then is a run recorded and executed.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import WorkspaceScopedMixin
from journeys import services
from journeys.api.serializers import ErrorsResponseSerializer
from journeys.models import Journey, SimulationRun, SimulationStatus
from journeys.simulation import schema
from journeys.simulation.request import INVALID, check_request, check_shape
from journeys.simulation.runs import settle_overdue, start_simulation
from journeys.validation.errors import DocumentError


@extend_schema_field(schema.RESULT)
class ResultField(serializers.JSONField):
    pass


class SimulationRunSerializer(serializers.ModelSerializer[SimulationRun]):
    journey = serializers.IntegerField(source="journey_id", read_only=True)
    version = serializers.IntegerField(
        source="version_number", read_only=True, allow_null=True, help_text="Null: the draft."
    )
    result = ResultField(read_only=True, allow_null=True, help_text="Set once `done`.")
    url = serializers.SerializerMethodField(help_text="Where to poll this run.")

    class Meta:
        model = SimulationRun
        fields = [
            "id",
            "journey",
            "version",
            "status",
            "url",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, run: SimulationRun) -> str:
        return reverse("simulation-detail", kwargs={"pk": run.pk})


def _errors(errors: list[DocumentError]) -> Response:
    return Response(
        {"errors": [error.as_dict() for error in errors]}, status=status.HTTP_400_BAD_REQUEST
    )


class SimulateView(WorkspaceScopedMixin, APIView):
    @extend_schema(
        operation_id="journeys_simulate",
        summary="Dry-run a journey",
        description=(
            "Runs the draft (or a version) against a synthetic population and a script of "
            "what contacts do, on the real engine under a virtual clock, in a separate "
            "database: nothing is stored in the workspace and nothing is sent. Small runs "
            "answer 200 with the finished run; larger ones answer 202 with a queued run to "
            "poll at `url`. A run that fails is reported as `failed` with its `error`."
        ),
        request={"application/json": schema.REQUEST},
        responses={
            200: SimulationRunSerializer,
            202: SimulationRunSerializer,
            400: OpenApiResponse(ErrorsResponseSerializer, description="Located errors"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(self.scoped(Journey.objects.all()), pk=pk)
        body: Any = request.data
        errors = check_shape(body)
        if errors:
            return _errors(errors)
        definition = journey.definition
        if body.get("version") is not None:
            version = journey.versions.filter(number=body["version"]).first()
            if version is None:
                message = f"This journey has no version {body['version']}."
                return _errors([DocumentError(INVALID, message, None, "/version")])
            definition = version.definition
        document_errors = services.validate_definition(self.workspace, definition)
        if document_errors:
            return _errors(document_errors)
        checked = check_request(body, definition)
        if checked.errors:
            return _errors(checked.errors)
        run = start_simulation(journey, checked.request, definition)
        code = status.HTTP_202_ACCEPTED if run.status == SimulationStatus.QUEUED else 200
        return Response(SimulationRunSerializer(run).data, status=code)


class SimulationDetailView(WorkspaceScopedMixin, APIView):
    @extend_schema(operation_id="simulations_retrieve", responses={200: SimulationRunSerializer})
    def get(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(self.scoped(SimulationRun.objects.all()), pk=pk)
        return Response(SimulationRunSerializer(settle_overdue(run)).data)
