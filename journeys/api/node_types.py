"""`GET /node-types/`: the catalog the canvas palette and config forms are built from."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.catalog import NODE_TYPES

NodeTypeListSerializer = inline_serializer(
    "NodeTypeList",
    {
        "node_types": serializers.ListField(
            child=inline_serializer(
                "NodeType",
                {
                    "name": serializers.CharField(),
                    "title": serializers.CharField(),
                    "description": serializers.CharField(),
                    "config_schema": serializers.JSONField(),
                    "ports": serializers.ListField(child=serializers.CharField()),
                    "optional_ports": serializers.ListField(child=serializers.CharField()),
                    "dynamic_ports": serializers.JSONField(allow_null=True),
                    "conditional_ports": serializers.DictField(child=serializers.CharField()),
                },
            )
        )
    },
)


class NodeTypesView(APIView):
    @extend_schema(responses={200: NodeTypeListSerializer})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"node_types": [node_type.as_dict() for node_type in NODE_TYPES]})
