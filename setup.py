#!/usr/bin/env python
from setuptools import find_packages, setup

project = "microcosm-pubsub"
version = "3.1.0"

setup(
    name=project,
    version=version,
    description="Typed publish/consume over AWS SNS and SQS, wired by microcosm",
    long_description=open("README.md").read(),
    long_description_content_type="text/markdown",
    license="Apache 2.0",
    packages=find_packages(exclude=["tests", "tests.*", "benchmarks", "examples"]),
    include_package_data=True,
    package_data={"microcosm_pubsub": ["systemd_units/*.service"]},
    zip_safe=False,
    python_requires=">=3.11",
    classifiers=[
        "License :: OSI Approved :: Apache Software License",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: System :: Distributed Computing",
    ],
    keywords="microcosm sns sqs pubsub",
    install_requires=[
        "boto3>=1.28.0",
        "marshmallow>=3.0.0,<5",
        "microcosm>=4.0.0",
        "microcosm-caching>=1.0.0",
        "microcosm-daemon>=3.0.0",
        "microcosm-logging>=2.0.0",
        # microcosm-logging 2.0.0 breaks with python-json-logger 3.1 and newer.
        "python-json-logger<3.1",
        "requests>=2.31.0",
    ],
    extras_require={
        "test": [
            "moto[server]>=5.0.0",
            # the AWS extended clients, for the large-message interoperability tests
            "amazon-sns-extended-client>=1.0.1",
            "amazon-sqs-extended-client>=1.0.1",
            "PyHamcrest>=2.0.0",
            "pytest>=7.0.0",
            "pytest-timeout>=2.1.0",
            "sentry-sdk>=1.0.0",
            # the observability extras, and what their tests drive them with
            "opentelemetry-api>=1.27.0",
            "opentelemetry-sdk>=1.27.0",
            "prometheus-client>=0.17.0",
            "rich>=13.0.0",
            "pexpect>=4.8.0",
            # the dlq redrive progress bar (the progress extra)
            "tqdm>=4.60.0",
        ],
        "sentry": ["sentry-sdk>=1.0.0"],
        "metrics": ["microcosm-metrics>=3.0.0"],
        "otel": ["opentelemetry-api>=1.27.0"],
        "prometheus": ["prometheus-client>=0.17.0"],
        "top": ["rich>=13.0.0"],
        "progress": ["tqdm>=4.60.0"],
    },
    entry_points={
        "console_scripts": [
            "pubsub = microcosm_pubsub.main:main",
            "publish-naive = microcosm_pubsub.main:make_naive_message",
        ],
        "microcosm.factories": [
            "pubsub_lifecycle_change = microcosm_pubsub.conventions:LifecycleChange",
            "pubsub_message_schema_registry = microcosm_pubsub.registry:configure_schema_registry",
            "pubsub_observability = microcosm_pubsub.observability.observer:configure_observability",
            "pubsub_producer_metrics = microcosm_pubsub.metrics:PubSubProducerMetrics",
            "pubsub_send_batch_metrics = microcosm_pubsub.metrics:PubSubSendBatchMetrics",
            "pubsub_send_metrics = microcosm_pubsub.metrics:PubSubSendMetrics",
            "sentry_logging_pubsub = microcosm_pubsub.sentry:configure_sentry_pubsub",
            "pubsub_service = microcosm_pubsub.service_policy:configure_pubsub_service",
            "service_client = microcosm_pubsub.service:configure_service_client",
            "sns_producer = microcosm_pubsub.producer:configure_sns_producer",
            "sns_topic_arns = microcosm_pubsub.producer:configure_sns_topic_arns",
            "sqs_consumer = microcosm_pubsub.consumer:configure_sqs_consumer",
            "sqs_envelope = microcosm_pubsub.envelope:configure_sqs_envelope",
            "sqs_message_context = microcosm_pubsub.context:SQSMessageContext",
            "sqs_message_dispatcher = microcosm_pubsub.dispatcher:SQSMessageDispatcher",
            "sqs_message_handler_registry = microcosm_pubsub.registry:configure_handler_registry",
        ],
        "pytest11": [
            "microcosm_pubsub = microcosm_pubsub.testing.plugin",
        ],
    },
)
