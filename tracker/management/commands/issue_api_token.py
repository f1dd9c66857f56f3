from django.core.management.base import BaseCommand, CommandError

from tracker.models import ApiToken


class Command(BaseCommand):
    help = "签发接口令牌（只显示一次），如：issue_api_token 省监测平台 --scopes air.readings,water.readings"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scopes", required=True)

    def handle(self, *args, name, scopes, **options):
        if not scopes.strip():
            raise CommandError("--scopes 不能为空")
        row, token = ApiToken.issue(name=name, scopes=scopes)
        self.stdout.write(f"令牌“{row.name}”已签发，请立即保存（不会再次显示）：\n{token}")
