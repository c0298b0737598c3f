import factory

from quality.models import ClientFeedback
from tests.accounts.factories import UserFactory
from tests.projects.factories import ProjectFactory


class ClientFeedbackFactory(factory.django.DjangoModelFactory):
    """Feedback written directly (no events); use quality.services to move it."""

    class Meta:
        model = ClientFeedback

    project = factory.SubFactory(ProjectFactory)
    kind = ClientFeedback.Kind.ENQUIRY
    subject = factory.Sequence(lambda n: f"Slow Wi-Fi in building {n}")
    body = "Since Monday the Wi-Fi drops every hour."
    submitted_by = factory.SubFactory(UserFactory)
