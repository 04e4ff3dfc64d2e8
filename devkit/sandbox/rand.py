"""Seeded randomness: the same seed and `now` always give the same account, down to every id."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")


class Gen:
    """A named, seeded stream; each data domain gets its own so changing one leaves the others alone."""

    def __init__(self, seed: int, name: str) -> None:
        self.rng = random.Random(f"{seed}:{name}")

    def uuid(self) -> str:
        """A version-4 UUID drawn from the stream."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def digits(self, n: int) -> str:
        """n random decimal digits (no leading zero)."""
        return str(self.rng.randint(1, 9)) + "".join(str(self.rng.randint(0, 9)) for _ in range(n - 1))

    def cents(self, low: str, high: str) -> Decimal:
        """A Decimal amount with two decimals in [low, high]."""
        lo, hi = int(Decimal(low) * 100), int(Decimal(high) * 100)
        return Decimal(self.rng.randint(lo, hi)) / 100

    def pick(self, options: Sequence[T], weights: Sequence[float] | None = None) -> T:
        """One option, optionally weighted."""
        return self.rng.choices(options, weights=weights)[0]

    def chance(self, p: float) -> bool:
        """True with probability p."""
        return self.rng.random() < p

    def between(self, low: float, high: float) -> float:
        """A float in [low, high]."""
        return self.rng.uniform(low, high)

    def int(self, low: int, high: int) -> int:
        """An int in [low, high]."""
        return self.rng.randint(low, high)
