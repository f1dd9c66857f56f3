from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.models import ApiToken


class Command(BaseCommand):
    help = "签发接口令牌（只显示一次），如：issue_api_token 省监测平台 --scopes air.readings,water.readings --days 365"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scopes", required=True)
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认 API_TOKEN_DAYS）")

    def handle(self, *args, name, scopes, days, **options):
        try:
            row, token = ApiToken.issue(name=name, scopes=scopes, days=days)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            f"令牌“{row.name}”已签发（{row.scopes}，{row.expires_at:%Y-%m-%d %H:%M} 失效），"
            f"请立即保存（不会再次显示）：\n{token}"
        )
