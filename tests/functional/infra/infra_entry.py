"""
Subprocess entry for the infra functional tests: `infra_entry.py cli ARGS` runs `pubsub ARGS`,
`infra_entry.py daemon ARGS` runs the sample daemon; both can import `infra_sample`.

"""
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "infra"))

if __name__ == "__main__":
    kind, arguments = sys.argv[1], sys.argv[2:]
    if kind == "cli":
        from microcosm_pubsub.main import main

        main(arguments)
    else:
        from infra_sample import SampleDaemon

        sys.argv = [sys.argv[0], *arguments]
        SampleDaemon().run()
