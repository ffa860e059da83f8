import pytest

from complaints.selectors import forget_reference_data


@pytest.fixture(autouse=True)
def fresh_reference_data():
    """City companies and projects are cached across requests (properties.selectors); a test's
    rolled-back rows must not linger in the next test's filter choices."""
    forget_reference_data()
    yield
    forget_reference_data()
