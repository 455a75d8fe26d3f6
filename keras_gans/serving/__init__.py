"""Serving exported generators: TF Serving clients over REST (`Client`) and gRPC (`GrpcClient`),
a local TF-Serving-compatible server (`keras_gans.serving.server`, imports TensorFlow lazily)
and a load test."""

from keras_gans.serving.client import Client, ServingClientError
from keras_gans.serving.grpc_client import GrpcClient, GrpcClientError

__all__ = ["Client", "GrpcClient", "GrpcClientError", "ServingClientError"]
