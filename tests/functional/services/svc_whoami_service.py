"""The example echo service (examples/service_example.py) plus `whoami`, to tell worker processes apart."""
import os

from service_example import EchoService


class WhoamiEchoService(EchoService):
    """Answers `whoami` with the worker's pid."""

    def on_whoami(self, message):
        return os.getpid()


if __name__ == "__main__":
    WhoamiEchoService().run()
