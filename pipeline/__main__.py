import os
import sys

from pipeline.cli import main

code = main()
# Every output is written, closed and renamed by now. Skipping the interpreter's teardown avoids
# native libraries' exit-time races (seen once under load: "terminate called without an active
# exception", exit −6, after a correct run), which would turn a clean exit code into a crash.
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
