"""The sign-in form in the workbench's words."""

from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "账号或密码不正确，请重新输入（注意区分大小写）。忘记密码请联系本单位管理员。",
        "inactive": "该账号已停用，请联系本单位管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "账号"
        self.fields["username"].widget.attrs.update(
            {"class": "weui-input", "placeholder": "请输入账号", "autocomplete": "username"}
        )
        self.fields["password"].label = "密码"
        self.fields["password"].widget.attrs.update({"class": "weui-input", "placeholder": "请输入密码"})
