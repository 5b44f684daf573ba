"""Forms: run an assessment, change the formula."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, NumberRange


class RunForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    unit = SelectField(_l("Units"), validate_choice=True)
    submit = SubmitField(_l("Run the assessment"))


def _points(label):
    return DecimalField(label, places=1, validators=[InputRequired(), NumberRange(0, 1000)])


class FormulaForm(FlaskForm):
    online_weight = _points(_l("Points for online hours"))
    required_weight = _points(_l("Points for required-course hours"))
    offline_weight = _points(_l("Points for offline training"))
    quiz_weight = _points(_l("Points for quizzes and exams"))
    excellent_from = _points(_l("Excellent from (points)"))
    competent_from = _points(_l("Competent from (points)"))
    basic_from = _points(_l("Basically competent from (points)"))
    quota_unmet_fails = BooleanField(
        _l("A cadre below the online quota without an exemption is not competent")
    )
    submit = SubmitField(_l("Save as a new version"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not (self.excellent_from.data >= self.competent_from.data >= self.basic_from.data):
            self.excellent_from.errors.append(
                _l("The thresholds must not increase: excellent ≥ competent ≥ basic.")
            )
            return False
        total = sum(
            f.data
            for f in (
                self.online_weight,
                self.required_weight,
                self.offline_weight,
                self.quiz_weight,
            )
        )
        if total <= 0:
            self.online_weight.errors.append(_l("At least one part must earn points."))
            return False
        return True
