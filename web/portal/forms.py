"""The portal's forms: CSRF-protected through Flask-WTF; the services check the content."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from engine.termination import MAX_REASON

from ..labels import APPLICANT_KINDS, CONCERNS, ID_TYPES, RATINGS


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


class SignInForm(FlaskForm):
    identifier = StringField(_l("手机号码或证件号码"), validators=[DataRequired()])
    password = PasswordField(_l("密码"), validators=[DataRequired()])


class RegisterForm(FlaskForm):
    kind = SelectField(_l("申请人类型"), choices=_choices(APPLICANT_KINDS), default="person")
    name = StringField(_l("姓名或单位名称"), validators=[DataRequired()])
    id_type = SelectField(_l("证件类型"), choices=_choices(ID_TYPES), default="id_card")
    id_number = StringField(_l("证件号码"), validators=[DataRequired()])
    phone = StringField(_l("手机号码"), validators=[DataRequired()])
    case_number = StringField(_l("办件编号（曾在窗口办理过的申请人填写，见受理或补正通知书）"))
    password = PasswordField(_l("密码（至少8位）"), validators=[DataRequired()])
    confirm = PasswordField(_l("确认密码"), validators=[DataRequired(), EqualTo("password", _l("两次输入的密码不一致"))])


class RatingForm(FlaskForm):
    level = RadioField(_l("评价"), choices=_choices(RATINGS), validators=[DataRequired()])
    text = TextAreaField(_l("评价内容"))
    # Asked of a bad rating only: the service (engine/ratings.py) says so when it is missing.
    concerns = RadioField(_l("不满意的是"), choices=_choices(CONCERNS), validate_choice=False)


class RevisitForm(FlaskForm):
    """回访: whether the department's answer to a bad rating satisfies the applicant."""
    satisfied = RadioField(_l("您对整改答复是否满意？"), choices=_choices({"yes": _l("满意"), "no": _l("不满意")}),
                           validators=[DataRequired()])


class AnswerForm(FlaskForm):
    response = TextAreaField(_l("整改情况"), validators=[DataRequired()])


class WithdrawalForm(FlaskForm):
    reason = TextAreaField(_l("撤回理由"), validators=[DataRequired(), Length(max=MAX_REASON)])
    confirm = BooleanField(_l("我确认撤回本次申请，撤回后本办件终止办理"), validators=[DataRequired()])
