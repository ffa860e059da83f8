from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Refuses staff whose employment has ended, even before the nightly sweep disables them."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not user.has_left()

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is not None and user.has_left():
            return None
        return user
