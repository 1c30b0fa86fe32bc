"""Warning classes shared by every layer."""


class FlowwidgetsWarning(UserWarning):
    """Base class of the warnings flowwidgets emits."""


class UnknownEnumValueWarning(FlowwidgetsWarning):
    """A server sent an enum value this version of flowwidgets does not know; it is kept as sent."""
