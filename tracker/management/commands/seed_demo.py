"""Build the demo city: units, war zones, accounts for every role, and each app's demo data.

Idempotent: running it twice changes nothing. New accounts get the password from --password, or a
generated one that is printed once.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.module_loading import import_string

from tracker.demo import DemoContext, generate_password


class Command(BaseCommand):
    help = "生成演示数据（区县、战区、各角色演示账号及各模块数据），可重复执行"

    def add_arguments(self, parser):
        parser.add_argument("--password", help="新建演示账号的密码（不填则随机生成并打印）")
        parser.add_argument("--only", action="append", default=[], help="只运行名称包含该字符串的生成器")

    def handle(self, *args, **options):
        password = options["password"] or generate_password()
        ctx = DemoContext(password=password, today=timezone.localdate())
        for path in settings.DEMO_SEEDERS:
            if options["only"] and not any(part in path for part in options["only"]):
                continue
            started = time.monotonic()
            import_string(path)(ctx)
            self.stdout.write(f"  ✓ {path} ({time.monotonic() - started:.1f}s)")
        self._print_accounts(ctx, given=bool(options["password"]))

    def _print_accounts(self, ctx: DemoContext, *, given: bool) -> None:
        if not ctx.accounts:
            return
        self.stdout.write("")
        self.stdout.write(f"{'用户名':<14}{'角色':<12}单位")
        self.stdout.write("-" * 44)
        for username, role, unit in ctx.accounts:
            self.stdout.write(f"{username:<16}{role:<10}{unit}")
        if given:
            self.stdout.write("新建账号的密码为 --password 所给的密码；已有账号保持原密码。")
        else:
            self.stdout.write(f"新建账号的密码：{ctx.password}（已有账号保持原密码）")
