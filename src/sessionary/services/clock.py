from __future__ import annotations

import time

from ..domain.model import Micros


class SystemClock:
    def now(self) -> Micros:
        return time.time_ns() // 1000
