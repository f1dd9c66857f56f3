import json

from django.core.management.base import BaseCommand, CommandError

from tracker.health import health_report


class Command(BaseCommand):
    help = "健康检查（容器 healthcheck 用）：数据库、Redis，以及可选的最近一次 worker 心跳时限。失败时退出码非 0。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-heartbeat-age",
            type=int,
            default=None,
            help="要求最近一次 worker 心跳不早于这么多秒（beat 容器用：证明 beat 在发、worker 在做）",
        )

    def handle(self, *args, max_heartbeat_age, **options):
        healthy, report = health_report()
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        if not healthy:
            raise CommandError("unhealthy: " + json.dumps(report, ensure_ascii=False))
        if max_heartbeat_age is not None:
            age = report["worker_heartbeat_age_seconds"]
            if age is None or age > max_heartbeat_age:
                raise CommandError(f"worker heartbeat too old or missing: {age!r} s (limit {max_heartbeat_age} s)")
