import subprocess
import sys

PROBE = """
import sys
import asyncio
from ml.runtime.batcher import MicroBatcher
from ml.runtime.classifier import Classifier

classifier = Classifier()
classifier.predict(["Отличный фильм", "A fine film"])
classifier.explain("A fine film")

async def through_batcher():
    async with MicroBatcher(classifier) as batcher:
        await batcher.predict(["A fine film"])

asyncio.run(through_batcher())
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "torch")
print(",".join(loaded) or "none")
"""


def test_runtime_predicts_without_loading_torch():
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "none"
