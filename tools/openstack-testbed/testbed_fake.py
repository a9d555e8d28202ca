"""Thin shims over Nova's own fake virt drivers (nova/virt/fake.py, Debian
python3-nova) for the Escalator OpenStack testbed.

1. Upstream fake drivers keep their "guests" in process memory only, so after
   a nova-compute restart (what an upgrade does to every host) all instances
   of that host are reported missing: power_state goes to NOSTATE and Nova
   refuses to live-migrate them ("Cannot live migrate while the instance is in
   this state").  With resume_guests_state_on_host_boot = True nova-compute
   calls resume_state_on_host_boot() for each instance the DB says is RUNNING;
   here that re-creates the fake guest.
2. get_host_uptime() is not implemented upstream (every GET
   /os-hypervisors/detail at microversion >= 2.88 logs a NotImplementedError
   traceback in the compute and returns uptime null).  Here it returns an
   uptime(1)-style line counted from the start of this nova-compute process,
   so a host "reboot" (host.sh reboot restarts the process) resets it.

Use as compute_driver = testbed_fake.<Class>; setup.sh puts this file on
nova.virt's package path (Nova loads drivers strictly as nova.virt.<name>).
"""
import time

from nova.virt import fake

_STARTED = time.time()


def _uptime_line():
    up = int(time.time() - _STARTED)
    days, rest = divmod(up, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        span = "%d day%s, %2d:%02d" % (days, "" if days == 1 else "s",
                                       hours, minutes)
    elif hours:
        span = "%2d:%02d" % (hours, minutes)
    else:
        span = "%d min" % minutes
    return " %s up %s,  0 users,  load average: 0.00, 0.00, 0.00" % (
        time.strftime("%H:%M:%S"), span)


class _TestbedShim(object):
    def resume_state_on_host_boot(self, context, instance, network_info,
                                  block_device_info=None):
        if instance.uuid not in self.instances:
            self.spawn(context, instance, instance.image_meta,
                       injected_files=None, admin_password=None,
                       allocations=None, network_info=network_info,
                       block_device_info=block_device_info)

    def get_host_uptime(self):
        return _uptime_line()


class FakeDriver(_TestbedShim, fake.FakeDriver):
    pass


class MediumFakeDriver(_TestbedShim, fake.MediumFakeDriver):
    pass


class FakeLiveMigrateDriver(_TestbedShim, fake.FakeLiveMigrateDriver):
    """Live migration stays 'running' ~5 s; abort and force_complete work."""
