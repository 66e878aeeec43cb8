"pytest runs the smoke tier: a config built without a preset takes seconds, and a cpu/gpu-tier run is refused."
import os
os.environ.setdefault("UNSEG_PRESET", "smoke")
