"""Which status a teacher may move to next: a pure rule (README, Teacher library).

candidate → on probation (试讲) → selected for the cycle → retired. A probation that does not
convince goes back to candidate or retires the teacher; a selected teacher is put on
probation again for a new cycle; a retired teacher may become a candidate again.
"""

from lms.faculty.models import TeacherStatus as S

NEXT = {
    S.CANDIDATE: (S.PROBATION, S.RETIRED),
    S.PROBATION: (S.SELECTED, S.CANDIDATE, S.RETIRED),
    S.SELECTED: (S.PROBATION, S.RETIRED),
    S.RETIRED: (S.CANDIDATE,),
}


def may_move(current: str, new: str) -> bool:
    try:
        return S(new) in NEXT[S(current)]
    except ValueError:
        return False
