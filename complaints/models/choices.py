"""The choices of a complaint's fields: type, channel, severity, status, SLA target, root cause."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint (投诉)")
    REPAIR = "repair", _("Repair request (报修)")
    ENQUIRY = "enquiry", _("Enquiry (咨询)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")
    PRAISE = "praise", _("Praise (表扬)")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline (客服热线)")
    FRONT_DESK = "front_desk", _("Front desk (前台来访)")
    WEB_FORM = "web_form", _("Web form (网上表单)")
    PUBLIC_FORUM = "forum", _("Public forum (投诉论坛)")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat / Weibo")
    LETTER = "letter", _("Letter (信函)")
    PROPERTY_REFERRAL = "property", _("Property-management referral (物业转介)")
    MEDIA = "media", _("Media (媒体)")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    MAJOR = "major", _("Major (重大投诉)")
    GROUP = "group", _("Group (群诉)")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received (已接待)")
    DISPATCHED = "dispatched", _("Dispatched (已分派)")
    PLAN_AGREED = "plan_agreed", _("Plan agreed (方案已确认)")
    IN_PROGRESS = "in_progress", _("In progress (处理中)")
    RESOLVED = "resolved", _("Resolved (已解决)")
    CLOSED = "closed", _("Closed (已关闭)")
    REOPENED = "reopened", _("Reopened (重新打开)")

    @classmethod
    def open_values(cls) -> list[str]:
        return [cls.RECEIVED, cls.DISPATCHED, cls.PLAN_AGREED, cls.IN_PROGRESS, cls.RESOLVED, cls.REOPENED]


class SlaTarget(models.TextChoices):
    """The promise the clock is currently measuring."""

    FIRST_RESPONSE = "first_response", _("First response (首次响应)")
    PLAN = "plan", _("Plan agreed (方案确认)")
    RESOLUTION = "resolution", _("Resolution (处理完成)")


class RootCause(models.TextChoices):
    DESIGN = "design", _("Design (设计)")
    CONSTRUCTION = "construction", _("Construction (施工)")
    MATERIALS = "materials", _("Materials (材料)")
    SALES_PROMISE = "sales_promise", _("Sales promise (销售承诺)")
    PROPERTY_SERVICE = "property_service", _("Property service (物业服务)")
    PLANNING = "planning", _("Planning change (规划变更)")
    DELIVERY = "delivery", _("Delivery delay (交付延期)")
    CUSTOMER = "customer", _("Customer misunderstanding (客户误解)")
    OTHER = "other", _("Other")
