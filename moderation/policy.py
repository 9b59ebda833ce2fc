"""What the pipeline does about one analysed room message. Pure: no I/O, no state.

- ``crisis`` opens an escalation for the on-call peer leads, and the writer gets crisis
  resources and an offer of a one-to-one chat. The message stays in the room: reaching
  out to peers is good.
- A crisis message that names a method or means is masked from the room (safe-messaging
  practice: method detail must not spread). Supporters and leads still read it.
- ``concern`` goes to the supporters' review queue and pages no lead.
- Abusive language is hidden pending review and its author is told why, unless the
  message is a crisis: someone in crisis who swears is not hidden from their peers.
- A crisis-level message from a supporter or lead goes to the review queue instead of
  paging the leads, and is not masked. Their outreach asks about suicide and means in
  plain words ("are you thinking of taking the tablets?"), which the classifier reads as
  a disclosure; a person still reads every such message, because staff can be at risk too.
"""

from __future__ import annotations

from dataclasses import dataclass

from moderation.assessment import Analysis, RiskLevel
from server.domain.models import Role


@dataclass(frozen=True)
class Actions:
    escalate: bool = False
    review: bool = False
    mask: bool = False
    hide: bool = False
    # A crisis written by a supporter or lead: reviewed instead of paged (see above).
    staff_crisis: bool = False

    @property
    def any(self) -> bool:
        return self.escalate or self.review or self.mask or self.hide


def decide(analysis: Analysis, author: Role = Role.MEMBER) -> Actions:
    level = analysis.risk.level
    crisis = level == RiskLevel.CRISIS
    hide = analysis.abuse.abusive and not crisis
    if crisis and author >= Role.SUPPORTER:
        return Actions(review=True, staff_crisis=True)
    return Actions(
        escalate=crisis,
        review=level == RiskLevel.CONCERN or hide,
        mask=crisis and analysis.mentions_method,
        hide=hide,
    )
