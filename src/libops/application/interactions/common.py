"""What the interaction commands share: naming a participant by their subject id."""

from __future__ import annotations

from typing import Any, ClassVar

from libops.application.commands import Command
from libops.application.dependencies import Dependencies
from libops.application.personal_data import PersonalData
from libops.domain.errors import InvalidValueError
from libops.domain.personal import PersonalInfo, require_subject_id
from libops.domain.values import Platform


def participant_subject(
    personal: PersonalData,
    subject_id: str | None,
    platform: Platform | str | None,
    info: object,
) -> str:
    """The participant's subject id: as given, or the pseudonym of their handle on platform."""
    if subject_id is not None:
        return require_subject_id(subject_id)
    if not isinstance(info, PersonalInfo):
        raise InvalidValueError(f"personal data is PersonalInfo, not {type(info).__name__}")
    if platform is None or info.handle is None:
        raise InvalidValueError(
            "give the participant's subject_id, or a platform and their handle, "
            "so that one person has one subject id"
        )
    return personal.subject_id_for(platform, info.handle)


class CarriesPersonalData:
    """Mixed into a command with a participant's personal data in the field ``PERSONAL``.

    Its idempotency fingerprint names the participant by subject id instead of the data.
    """

    __slots__ = ()
    PERSONAL: ClassVar[str] = ""

    def subject(self, deps: Dependencies) -> str:
        """The participant's subject id (given, or derived from their handle)."""
        return participant_subject(
            deps.personal,
            getattr(self, "subject_id", None),
            getattr(self, "platform", None),
            getattr(self, self.PERSONAL),
        )

    def fingerprint_data(self, deps: Dependencies) -> dict[str, Any]:
        """The structured form with the personal data replaced by the subject id."""
        assert isinstance(self, Command)
        plain = self.arguments(self.PERSONAL)
        plain["subject_id"] = self.subject(deps)
        return plain
