"""The demo's lecture series, question banks, course tests and the annual theory exam."""

from sqlalchemy import select

from lms.accounts.models import User
from lms.banks.editing import create_bank, save_question
from lms.banks.models import Bank
from lms.banks.question_rules import QuestionData
from lms.courses.authoring import refresh_course_duration
from lms.courses.models import ContentCategory, Course, Lesson, TeachingMethod
from lms.extensions import db
from lms.quizzes.authoring import QuizSettings, add_draw_rule, add_fixed_questions, save_quiz
from lms.quizzes.models import Quiz

# Recorded lecture series: long enough (about 84 hours in all) that a year of study can be
# credited from unique playing, as the tracker requires. Their recordings are not part of
# the demo (only the short demo clips are generated), so these lessons are listed with their
# length but cannot be played; the viewing history is booked on them.
SERIES = [
    ("党的二十大精神专题讲座", "theory", "二十大报告解读"),
    ("经济高质量发展专题讲座", "strategic_thinking", "高质量发展"),
    ("基层治理能力提升专题讲座", "professional_ability", "基层治理"),
    ("依法行政与廉政建设专题讲座", "policy_law", "依法行政"),
]
SERIES_LESSONS = 12
NUMERALS = "一二三四五六七八九十"


def series_minutes(index: int) -> int:
    """A lecture's length: 90 to 120 minutes, varying from one to the next."""
    return 90 + (index * 7) % 31


def _lesson_title(number: int, theme: str) -> str:
    numeral = NUMERALS[number - 1] if number <= 10 else "十" + NUMERALS[number - 11]
    return f"第{numeral}讲 {theme}"


def seed_series() -> list[Course]:
    """The published lecture series, created once (found again by title)."""
    instructor = db.session.scalar(select(User).where(User.username == "instructor"))
    categories = {c.code: c for c in db.session.scalars(select(ContentCategory))}
    courses = []
    for order, (title, category, theme) in enumerate(SERIES):
        course = db.session.scalar(select(Course).where(Course.title == title))
        if course is None:
            course = Course(
                title=title,
                summary=f"{theme}系列专题讲座（往期录播）。",
                description=f"<p>{theme}系列专题讲座，共{SERIES_LESSONS}讲。</p>",
                content_category=categories.get(category) or categories.get("theory"),
                teaching_method=TeachingMethod.LECTURE.value,
                created_by_id=instructor.id if instructor else None,
                instructors=[instructor] if instructor else [],
                is_published=True,
            )
            db.session.add(course)
            for position in range(SERIES_LESSONS):
                course.lessons.append(
                    Lesson(
                        title=_lesson_title(position + 1, theme),
                        kind="audio" if position % 3 == 2 else "video",
                        position=position,
                        duration_seconds=60.0 * series_minutes(order * SERIES_LESSONS + position),
                    )
                )
        courses.append(course)
    db.session.flush()
    for course in courses:
        refresh_course_duration(course.id)  # their recordings' lengths are known
    return courses


def series_lessons(courses: list[Course]) -> list[Lesson]:
    return [lesson for course in courses for lesson in course.lessons]


# --- question banks and quizzes ----------------------------------------------------------


def _single(text, options, correct, explanation=""):
    return QuestionData(
        kind="single",
        text=text,
        options=[(option, i == correct) for i, option in enumerate(options)],
        explanation=explanation,
    )


def _multiple(text, options, correct, explanation=""):
    return QuestionData(
        kind="multiple",
        text=text,
        options=[(option, i in correct) for i, option in enumerate(options)],
        explanation=explanation,
        points=2.0,
        is_partial_credit=True,
    )


def _true_false(text, is_true, explanation=""):
    return QuestionData(
        kind="true_false",
        text=text,
        options=[("对", is_true), ("错", not is_true)],
        explanation=explanation,
    )


def _blank(text, answers, explanation=""):
    return QuestionData(
        kind="fill_blank", text=text, accepted_answers=answers, explanation=explanation
    )


COURSE_QUESTIONS = {
    "习近平新时代中国特色社会主义思想概论": [
        _single(
            "党的二十大报告提出，以中国式现代化全面推进中华民族伟大复兴。中国式现代化是什么领导的社会主义现代化？",
            ["中国共产党", "人民代表大会", "人民政协", "国务院"],
            0,
            "中国式现代化是中国共产党领导的社会主义现代化。",
        ),
        _multiple(
            "下列属于“五位一体”总体布局的有：",
            ["经济建设", "政治建设", "文化建设", "社会建设", "生态文明建设", "国防建设"],
            {0, 1, 2, 3, 4},
            "五位一体：经济、政治、文化、社会、生态文明建设。",
        ),
        _true_false("新时代坚持和发展中国特色社会主义的根本立场是坚持以人民为中心。", True),
        _blank("“四个意识”是政治意识、大局意识、核心意识和______意识。", ["看齐"]),
    ],
    "基层治理案例分析": [
        _single(
            "网格化管理的基本单元是：",
            ["网格", "街道", "区县", "部门"],
            0,
            "以网格为基本单元划分责任区域。",
        ),
        _multiple(
            "化解矛盾纠纷常用的方式有：",
            ["人民调解", "行政调解", "司法调解", "一律起诉"],
            {0, 1, 2},
        ),
        _true_false("“枫桥经验”强调矛盾不上交、就地化解。", True),
        _blank("“有事好商量，众人的事情由众人______”。", ["商量"]),
    ],
    "党性修养与作风建设": [
        _single(
            "中央八项规定出台于哪一年？",
            ["2012年", "2008年", "2015年", "2018年"],
            0,
        ),
        _multiple(
            "“三严三实”中的“三严”是：", ["严以修身", "严以用权", "严以律己", "严于执法"], {0, 1, 2}
        ),
        _true_false("作风建设只是一时之举，抓一阵即可。", False, "作风建设永远在路上。"),
        _blank("党员干部要做到“忠诚、干净、______”。", ["担当"]),
    ],
}

EXAM_TITLE = "年度理论考试"
EXAM_BANK = "年度理论考试题库"
EXAM_QUESTIONS = [
    _single(
        "我国的根本政治制度是：",
        ["人民代表大会制度", "政治协商制度", "民族区域自治制度", "基层群众自治制度"],
        0,
    ),
    _single(
        "全面依法治国的总目标是建设中国特色社会主义______。",
        ["法治体系", "法律体系", "监督体系", "制度体系"],
        0,
    ),
    _multiple(
        "新发展理念包括：", ["创新", "协调", "绿色", "开放", "共享", "速度"], {0, 1, 2, 3, 4}
    ),
    _multiple(
        "干部教育培训的重点对象包括：",
        ["后备干部", "年轻干部", "新提拔干部", "关键岗位干部"],
        {0, 1, 2, 3},
    ),
    _true_false("区管干部每年应完成网上学习70学时的课程任务。", True),
    _true_false(
        "请假或病休的干部同样会被列入未参学通报名单。", False, "有免训记录的干部不列入通报。"
    ),
    _blank("“两个确立”“两个维护”中的“两个维护”是坚决维护党中央______、集中统一领导。", ["权威"]),
    _blank("党的根本宗旨是全心全意为人民______。", ["服务"]),
]
EXAM_DRAW = 6


def _bank_with(title: str, owner: User, course: Course | None, questions, category=None) -> Bank:
    bank = db.session.scalar(select(Bank).where(Bank.title == title))
    if bank is None:
        bank = create_bank(owner, title, course=course, content_category=category)
        for data in questions:
            save_question(bank, data)
    return bank


def _ensure_quiz(settings: QuizSettings, course, owner, fill) -> Quiz:
    """The quiz titled ``settings.title``; created with ``fill(quiz)`` adding its questions."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.title == settings.title))
    if quiz is None:
        quiz = save_quiz(None, settings, course, owner)
        fill(quiz)
    return quiz


def seed_quizzes(courses: list[Course]) -> tuple[list[Quiz], Quiz]:
    """A bank and an end-of-course test for each published demo course, and the exam."""
    instructor = db.session.scalar(select(User).where(User.username == "instructor"))
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    tests = []
    for course in courses:
        questions = COURSE_QUESTIONS.get(course.title)
        if not questions or not course.is_published:
            continue
        bank = _bank_with(f"{course.title} 题库", instructor, course, questions)
        settings = QuizSettings(
            title=f"{course.title} 结业测试",
            description="课程学完后检验学习效果，可多次参加，取最高分。",
            is_published=True,
            time_limit_minutes=20,
            max_attempts=3,
        )
        tests.append(
            _ensure_quiz(
                settings,
                course,
                instructor,
                lambda quiz, bank=bank: add_fixed_questions(quiz, list(bank.questions)),
            )
        )
    theory = db.session.scalar(select(ContentCategory).where(ContentCategory.code == "theory"))
    bank = _bank_with(EXAM_BANK, admin, None, EXAM_QUESTIONS, category=theory)
    settings = QuizSettings(
        title=EXAM_TITLE,
        description="全区干部年度理论考试，随机抽题，限时作答，只能参加一次。",
        is_published=True,
        time_limit_minutes=30,
        max_attempts=1,
        counting_rule="last",
    )
    exam = _ensure_quiz(
        settings, None, admin, lambda quiz: add_draw_rule(quiz, bank, EXAM_DRAW, None, None)
    )
    return tests, exam
