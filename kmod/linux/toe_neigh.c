// SPDX-License-Identifier: GPL-2.0
/*
 * Routes, neighbours and local addresses for an engine.
 *
 * The engine never takes a MAC address from the application: it asks
 * toe_resolve_l2() for the next hop of a destination, which follows the
 * kernel's own routing table and ARP cache, and triggers ARP resolution when
 * the entry is missing or stale (-EAGAIN until it completes; the engine
 * retries from a timer). Only routes that leave through the attached
 * device are usable.
 *
 * The engine's list of local addresses mirrors the device's IPv4 addresses:
 * filled at attach, then kept current by an inetaddr notifier.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/inetdevice.h>
#include <linux/rtnetlink.h>
#include <net/arp.h>
#include <net/ip.h>
#include <net/neighbour.h>
#include <net/route.h>

#include "toe_priv.h"

/* Caller holds a reference on neigh. */
static int toe_neigh_mac(struct toe_dev *dev, struct neighbour *neigh,
			 u8 mac_out[ETH_ALEN])
{
	u8 state;

	/* Starts or refreshes resolution when not confirmed reachable. */
	if (!(READ_ONCE(neigh->nud_state) & NUD_CONNECTED))
		neigh_event_send(neigh, NULL);
	state = READ_ONCE(neigh->nud_state);
	if (state & NUD_VALID) {
		neigh_ha_snapshot((char *)mac_out, neigh, dev->ndev);
		dev->ctr.l2_resolved++;
		return 0;
	}
	if (state & NUD_FAILED) {
		dev->ctr.l2_unreachable++;
		return -EHOSTUNREACH;
	}
	dev->ctr.l2_pending++;
	return -EAGAIN;
}

int toe_resolve_l2(void *port, u32 dst_ip, u8 mac_out[6])
{
	struct toe_dev *dev = port;
	struct net_device *ndev = dev->ndev;
	struct flowi4 fl4 = {
		.daddr = htonl(dst_ip),
		.flowi4_oif = ndev->ifindex,
	};
	struct neighbour *neigh;
	struct rtable *rt;
	__be32 nexthop;
	int err;

	rt = ip_route_output_key(dev->net, &fl4);
	if (IS_ERR(rt)) {
		dev->ctr.l2_unreachable++;
		return -EHOSTUNREACH;
	}
	if (rt->dst.dev != ndev || rt->rt_type == RTN_LOCAL ||
	    rt->rt_gw_family == AF_INET6) {
		err = -EHOSTUNREACH;
		dev->ctr.l2_unreachable++;
		goto out;
	}
	if (rt->rt_type == RTN_BROADCAST) {
		eth_broadcast_addr(mac_out);
		err = 0;
		goto out;
	}
	if (rt->rt_type == RTN_MULTICAST) {
		ip_eth_mc_map(fl4.daddr, (char *)mac_out);
		err = 0;
		goto out;
	}

	nexthop = rt_nexthop(rt, fl4.daddr);
	neigh = __ipv4_neigh_lookup(ndev, (__force u32)nexthop);
	if (!neigh) {
		neigh = neigh_create(&arp_tbl, &nexthop, ndev);
		if (IS_ERR(neigh)) {
			err = PTR_ERR(neigh) == -ENOBUFS ? -EAGAIN :
							   -EHOSTUNREACH;
			goto out;
		}
	}
	err = toe_neigh_mac(dev, neigh, mac_out);
	neigh_release(neigh);
out:
	ip_rt_put(rt);
	return err;
}

bool toe_dev_has_addr(struct toe_dev *dev, __be32 addr)
{
	const struct in_ifaddr *ifa;
	struct in_device *in_dev;
	bool found = false;

	rcu_read_lock();
	in_dev = __in_dev_get_rcu(dev->ndev);
	if (in_dev) {
		in_dev_for_each_ifa_rcu(ifa, in_dev) {
			if (ifa->ifa_local == addr) {
				found = true;
				break;
			}
		}
	}
	rcu_read_unlock();
	return found;
}

void toe_neigh_fill_local_ips(struct net_device *ndev,
			      struct toe_engine_config *cfg)
{
	const struct in_ifaddr *ifa;
	struct in_device *in_dev;

	ASSERT_RTNL();
	cfg->nr_local_ips = 0;
	in_dev = __in_dev_get_rtnl(ndev);
	if (!in_dev)
		return;
	in_dev_for_each_ifa_rtnl(ifa, in_dev) {
		if (cfg->nr_local_ips == TOE_MAX_LOCAL_IPS) {
			pr_warn("%s: only the first %u addresses are used\n",
				ndev->name, TOE_MAX_LOCAL_IPS);
			break;
		}
		cfg->local_ips[cfg->nr_local_ips++] = ntohl(ifa->ifa_local);
	}
}

static int toe_inetaddr_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct in_ifaddr *ifa = ptr;
	struct toe_dev *dev;
	u32 ip = ntohl(ifa->ifa_local);

	if (event != NETDEV_UP && event != NETDEV_DOWN)
		return NOTIFY_DONE;
	dev = toe_dev_find_by_ndev(ifa->ifa_dev->dev);
	if (!dev)
		return NOTIFY_DONE;
	mutex_lock(&dev->lock);
	if (dev->eng) {
		if (event == NETDEV_UP)
			toe_engine_add_local_ip(dev->eng, ip);
		else
			toe_engine_del_local_ip(dev->eng, ip);
	}
	mutex_unlock(&dev->lock);
	toe_dev_put(dev);
	return NOTIFY_DONE;
}

static struct notifier_block toe_inetaddr_notifier = {
	.notifier_call = toe_inetaddr_event,
};

int toe_neigh_notifiers_register(void)
{
	return register_inetaddr_notifier(&toe_inetaddr_notifier);
}

void toe_neigh_notifiers_unregister(void)
{
	unregister_inetaddr_notifier(&toe_inetaddr_notifier);
}
