from __future__ import annotations


class LoadError(Exception):
    """A plan or region file that cannot be loaded: every problem found, each with where it is."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.source = source
        self.errors = errors
        super().__init__(self.__str__())

    def __str__(self) -> str:
        lines = [f"{self.source}: {len(self.errors)} error(s), nothing was loaded"]
        lines += [f"  {self.source}: {e}" for e in self.errors]
        return "\n".join(lines)
