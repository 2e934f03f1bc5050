// SPDX-License-Identifier: GPL-2.0
/*
 * Engine instances: attaching an engine to a netdev and detaching it.
 *
 * Attach creates the engine from the device's MAC, MTU and IPv4 addresses,
 * starts its thread and registers the rx_handler. Detach (by request, or
 * because the device unregisters or leaves its namespace) unregisters the
 * rx_handler, stops the thread, then resets every socket of every bound
 * context through toe_owner_release so each buffer comes back with a
 * completion, marks the contexts detached, and destroys the engine.
 * Attach and detach are plain functions over struct toe_attach_opts so the
 * netlink family can call them as the ioctls do.
 *
 * A context binds at TOE_IOC_SETUP to the engine attached in its network
 * namespace (the one with the lowest ifindex if there are several), or, if
 * there is none yet, to the first one attached there later; its requests
 * wait in the SQ meanwhile. It keeps that engine for life: when the engine
 * detaches, the context stays usable for draining its CQ but processes no
 * more requests.
 *
 * While an engine is attached it holds a reference on the module, so the
 * module cannot be unloaded under it; open contexts hold one through the
 * file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/rtnetlink.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/ip.h>
#include <net/net_namespace.h>

#include "toe_priv.h"

static LIST_HEAD(toe_devs);
/* Set-up contexts waiting for an engine in their namespace. */
static LIST_HEAD(toe_parked_ctxs);
/* Guards both lists, and every context's binding. */
static DEFINE_MUTEX(toe_devs_mutex);
atomic_t toe_dev_count = ATOMIC_INIT(0);

/* ---- The engine's port ------------------------------------------------------- */

static void toe_dev_event(void *port, u32 owner, const struct toe_event *ev)
{
	struct toe_dev *dev = port;
	struct toe_ctx *ctx;

	dev->ctr.events++;
	toe_trace_event(dev, owner, ev);
	toe_genl_notify_sock(dev, owner, ev);
	/* An accepted socket shares its listener's port reservation. */
	if (ev->type == TOE_EV_ACCEPT && ev->sock != TOE_HANDLE_NONE)
		toe_sock_rec_add(dev, ev->sock, owner, TOE_PROTO_TCP, true);

	ctx = xa_load(&dev->ctx_by_owner, owner);
	if (ctx)
		toe_sqe_event(ctx, ev);
	else
		dev->ctr.events_no_owner++;

	if (ev->type == TOE_EV_CLOSED)
		toe_sock_rec_closed(dev, ev->sock);
}

static const struct toe_port_ops toe_dev_port_ops = {
	.xmit = toe_xmit,
	.event = toe_dev_event,
	.resolve_l2 = toe_resolve_l2,
	.trace = toe_trace_flow,
};

/* ---- Lifetime ----------------------------------------------------------------- */

static void toe_dev_free(struct kref *ref)
{
	struct toe_dev *dev = container_of(ref, struct toe_dev, ref);

	if (dev->thread_cred)
		put_cred(dev->thread_cred);
	if (dev->thread)
		put_task_struct(dev->thread);
	xa_destroy(&dev->ctx_by_owner);
	xa_destroy(&dev->socks);
	kfree(dev);
	atomic_dec(&toe_dev_count);
}

void toe_dev_put(struct toe_dev *dev)
{
	kref_put(&dev->ref, toe_dev_free);
}

struct toe_dev *toe_dev_find_by_ndev(struct net_device *ndev)
{
	struct toe_dev *dev, *found = NULL;

	mutex_lock(&toe_devs_mutex);
	list_for_each_entry(dev, &toe_devs, node) {
		if (dev->ndev == ndev) {
			kref_get(&dev->ref);
			found = dev;
			break;
		}
	}
	mutex_unlock(&toe_devs_mutex);
	return found;
}

struct toe_dev *toe_dev_next(struct net *net, int after_ifindex)
{
	struct toe_dev *dev, *found = NULL;

	mutex_lock(&toe_devs_mutex);
	list_for_each_entry(dev, &toe_devs, node) {
		if (net_eq(dev->net, net) && dev->ifindex > after_ifindex &&
		    (!found || dev->ifindex < found->ifindex))
			found = dev;
	}
	if (found)
		kref_get(&found->ref);
	mutex_unlock(&toe_devs_mutex);
	return found;
}

/* toe_devs_mutex held. */
static struct toe_dev *toe_dev_for_net(struct net *net)
{
	struct toe_dev *dev, *found = NULL;

	lockdep_assert_held(&toe_devs_mutex);
	list_for_each_entry(dev, &toe_devs, node) {
		if (net_eq(dev->net, net) &&
		    (!found || dev->ifindex < found->ifindex))
			found = dev;
	}
	return found;
}

/* ---- Contexts ------------------------------------------------------------------ */

/* toe_devs_mutex held. On success the context uses dev for good. */
static int toe_dev_bind_ctx(struct toe_dev *dev, struct toe_ctx *ctx)
{
	u32 i;
	int err;

	lockdep_assert_held(&toe_devs_mutex);
	mutex_lock(&dev->lock);
	if (!dev->eng) {
		err = -ENODEV;
		goto out;
	}
	err = xa_insert(&dev->ctx_by_owner, ctx->id, ctx, GFP_KERNEL);
	if (err)
		goto out;
	list_add_tail(&ctx->dev_node, &dev->ctxs);
	/* The whole pool starts out in the engine's hands. */
	for (i = 0; ctx->anon_mr && i < ctx->anon_count; i++) {
		err = toe_anon_provide(dev->eng, ctx->id, &ctx->anon_mr->mem,
				       (u64)i * ctx->anon_size, ctx->anon_size,
				       i);
		if (err) {
			toe_owner_release(dev->eng, ctx->id, -ECONNABORTED);
			list_del_init(&ctx->dev_node);
			xa_erase(&dev->ctx_by_owner, ctx->id);
			goto out;
		}
	}
	kref_get(&dev->ref);
	WRITE_ONCE(ctx->dev, dev);
out:
	mutex_unlock(&dev->lock);
	if (!err)
		toe_dev_wake(dev); /* requests may be queued already */
	return err;
}

int toe_dev_bind_or_park(struct toe_ctx *ctx)
{
	struct toe_dev *dev;
	int err = 0;

	mutex_lock(&toe_devs_mutex);
	dev = toe_dev_for_net(ctx->net);
	if (dev)
		err = toe_dev_bind_ctx(dev, ctx);
	else
		list_add_tail(&ctx->park_node, &toe_parked_ctxs);
	mutex_unlock(&toe_devs_mutex);
	return err;
}

void toe_dev_unpark_ctx(struct toe_ctx *ctx)
{
	mutex_lock(&toe_devs_mutex);
	list_del_init(&ctx->park_node);
	mutex_unlock(&toe_devs_mutex);
}

/* toe_devs_mutex held: a new engine takes its namespace's parked contexts. */
static void toe_dev_bind_parked(struct toe_dev *dev)
{
	struct toe_ctx *ctx, *tmp;

	list_for_each_entry_safe(ctx, tmp, &toe_parked_ctxs, park_node) {
		if (!net_eq(ctx->net, dev->net))
			continue;
		if (toe_dev_bind_ctx(dev, ctx))
			continue; /* stays parked, for the next engine */
		list_del_init(&ctx->park_node);
	}
}

/* dev->lock held: the context's engine is gone or going. */
static void toe_dev_ctx_detached(struct toe_dev *dev, struct toe_ctx *ctx)
{
	list_del_init(&ctx->dev_node);
	xa_erase(&dev->ctx_by_owner, ctx->id);
	ctx->detached = true;
	toe_ring_set_db_flags(ctx, TOE_DB_DETACHED,
			      TOE_DB_NEED_WAKEUP | TOE_DB_SERVES_WAITERS);
	toe_ring_flush_overflow(ctx);
	toe_ring_cq_commit(ctx);
	/* Waiters must see "detached" even without a new completion. */
	wake_up_interruptible_all(&ctx->cq_wait);
}

void toe_dev_unbind_ctx(struct toe_dev *dev, struct toe_ctx *ctx)
{
	mutex_lock(&dev->lock);
	if (!ctx->detached && dev->eng) {
		toe_owner_release(dev->eng, ctx->id, -ECONNABORTED);
		toe_dev_ctx_detached(dev, ctx);
	}
	mutex_unlock(&dev->lock);
}

/* ---- Attach and detach ------------------------------------------------------------ */

static void toe_dev_config(struct toe_dev *dev, struct net_device *ndev,
			   const struct toe_attach_opts *opts,
			   struct toe_engine_config *cfg)
{
	int lo, hi;

	toe_engine_config_defaults(cfg);
	ether_addr_copy(cfg->mac, ndev->dev_addr);
	cfg->mtu = ndev->mtu;
	toe_neigh_fill_local_ips(ndev, cfg);
	if (opts->buflets)
		cfg->buflet_count = opts->buflets;
	if (opts->max_sockets)
		cfg->max_sockets = opts->max_sockets;
	if (opts->congestion >= 0)
		cfg->congestion = opts->congestion;
	cfg->owner_anon_max =
		max_t(u32, cfg->owner_anon_max, TOE_ANON_COUNT_MAX);
	/*
	 * The core completes checksums and segments in software for a
	 * device that can't (see toe_xmit.c).
	 */
	cfg->tx_features = TOE_TXF_CSUM_PARTIAL | TOE_TXF_GSO_TCPV4;
	cfg->gso_max_size =
		min_t(u32, READ_ONCE(ndev->gso_max_size), GSO_LEGACY_MAX_SIZE) -
		TOE_TX_HDR_MAX;
	inet_get_local_port_range(dev->net, &lo, &hi);
	cfg->ephemeral_port_min = lo;
	cfg->ephemeral_port_max = hi;
}

static int toe_dev_check_opts(const struct toe_attach_opts *opts)
{
	if (opts->ifindex <= 0)
		return -ENODEV;
	if (opts->cpu < -1 || opts->cpu >= (int)nr_cpu_ids ||
	    (opts->cpu >= 0 && !cpu_online(opts->cpu)))
		return -EINVAL;
	if (opts->poll_idle_us > TOE_POLL_IDLE_MAX_US)
		return -EINVAL;
	if (opts->buflets && (opts->buflets < TOE_BUFLETS_MIN ||
			      opts->buflets > TOE_BUFLETS_MAX))
		return -EINVAL;
	if (opts->max_sockets && (opts->max_sockets < TOE_SOCKETS_MIN ||
				  opts->max_sockets > TOE_SOCKETS_MAX))
		return -EINVAL;
	if (opts->congestion != -1 && opts->congestion != TOE_CC_NEWRENO &&
	    opts->congestion != TOE_CC_CUBIC)
		return -EINVAL;
	if (opts->wait_mode != TOE_WAIT_INLINE &&
	    opts->wait_mode != TOE_WAIT_THREAD)
		return -EINVAL;
	if (opts->poll_mode != TOE_POLL_FIXED &&
	    opts->poll_mode != TOE_POLL_ADAPTIVE)
		return -EINVAL;
	if (opts->rx_defer_us < -1 ||
	    opts->rx_defer_us > (int)TOE_RX_DEFER_MAX_US)
		return -EINVAL;
	return 0;
}

int toe_dev_attach(struct net *net, const struct toe_attach_opts *opts)
{
	struct toe_engine_config cfg;
	struct net_device *ndev;
	struct toe_dev *dev;
	int err;

	err = toe_dev_check_opts(opts);
	if (err)
		return err;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	kref_init(&dev->ref);
	INIT_LIST_HEAD(&dev->node);
	mutex_init(&dev->lock);
	INIT_LIST_HEAD(&dev->ctxs);
	xa_init(&dev->ctx_by_owner);
	xa_init(&dev->socks);
	INIT_LIST_HEAD(&dev->lingering);
	skb_queue_head_init(&dev->rxq);
	atomic_set(&dev->inline_waiters, 0);
	init_waitqueue_head(&dev->work_wait);
	toe_dev_timers_init(dev);
	dev->cpu = opts->cpu;
	dev->poll_idle_us = opts->poll_idle_us;
	dev->poll_adaptive = opts->poll_mode == TOE_POLL_ADAPTIVE;
	if (dev->poll_adaptive && !dev->poll_idle_us)
		dev->poll_idle_us = TOE_POLL_ADAPTIVE_DEFAULT_US;
	dev->inline_off = opts->wait_mode == TOE_WAIT_THREAD;
	dev->rx_defer_us = opts->rx_defer_us < 0 ? TOE_RX_DEFER_US_DEFAULT :
						    opts->rx_defer_us;
	atomic_inc(&toe_dev_count);

	rtnl_lock();
	ndev = __dev_get_by_index(net, opts->ifindex);
	if (!ndev) {
		err = -ENODEV;
		goto err_unlock;
	}
	if (ndev->type != ARPHRD_ETHER || ndev->addr_len != ETH_ALEN ||
	    (ndev->flags & IFF_LOOPBACK)) {
		err = -EOPNOTSUPP;
		goto err_unlock;
	}
	if (rtnl_dereference(ndev->rx_handler)) {
		err = -EBUSY; /* ours already, or a bridge, bond, macvlan... */
		goto err_unlock;
	}
	dev->net = dev_net(ndev);
	dev->ifindex = ndev->ifindex;
	strscpy(dev->ifname, ndev->name, sizeof(dev->ifname));

	toe_dev_config(dev, ndev, opts, &cfg);
	dev->max_sockets = cfg.max_sockets;
	err = toe_engine_create(&cfg, &toe_dev_port_ops, dev, &dev->eng);
	if (err)
		goto err_unlock;
	dev->ndev = ndev;
	netdev_hold(ndev, &dev->ndev_tracker, GFP_KERNEL);

	err = toe_thread_start(dev);
	if (err)
		goto err_engine;
	/* Cannot fail: the caller's open file pins the module. */
	__module_get(THIS_MODULE);
	err = netdev_rx_handler_register(ndev, toe_rx_handler, dev);
	if (err)
		goto err_thread;

	mutex_lock(&toe_devs_mutex);
	list_add_tail(&dev->node, &toe_devs);
	toe_dev_bind_parked(dev);
	mutex_unlock(&toe_devs_mutex);
	rtnl_unlock();
	pr_info("attached to %s (cpu %d, idle poll %u us)\n", dev->ifname,
		dev->cpu, dev->poll_idle_us);
	toe_genl_notify_engine(dev, true);
	return 0;

err_thread:
	module_put(THIS_MODULE);
	toe_thread_stop(dev);
err_engine:
	toe_engine_destroy(dev->eng);
	dev->eng = NULL;
	toe_dev_timers_cancel(dev);
	netdev_put(ndev, &dev->ndev_tracker);
	dev->ndev = NULL;
err_unlock:
	rtnl_unlock();
	toe_dev_put(dev);
	return err;
}

/* RTNL held. Tears down an attached engine; false if already gone. */
static bool toe_dev_teardown(struct toe_dev *dev)
{
	struct toe_ctx *ctx, *tmp;

	ASSERT_RTNL();
	mutex_lock(&toe_devs_mutex);
	if (list_empty(&dev->node)) {
		mutex_unlock(&toe_devs_mutex);
		return false;
	}
	list_del_init(&dev->node);
	mutex_unlock(&toe_devs_mutex);

	/*
	 * No classification may run once the engine goes (synchronize_net
	 * inside), and nothing feeds the engine but this path afterwards.
	 */
	netdev_rx_handler_unregister(dev->ndev);
	toe_thread_stop(dev);

	mutex_lock(&dev->lock);
	list_for_each_entry_safe(ctx, tmp, &dev->ctxs, dev_node) {
		/* Sends fail with "network is down", not "aborted": the
		 * application did nothing; its engine left the device.
		 */
		toe_owner_release(dev->eng, ctx->id, -ENETDOWN);
		toe_dev_ctx_detached(dev, ctx);
	}
	skb_queue_purge(&dev->rxq);
	toe_engine_destroy(dev->eng);
	dev->eng = NULL;
	/* No round arms it again: they all look at dev->eng first. */
	toe_dev_timers_cancel(dev);
	toe_port_release_all(dev);
	mutex_unlock(&dev->lock);

	pr_info("detached from %s\n", dev->ifname);
	toe_genl_notify_engine(dev, false);
	netdev_put(dev->ndev, &dev->ndev_tracker);
	dev->ndev = NULL;
	module_put(THIS_MODULE);
	toe_dev_put(dev); /* the list's reference */
	return true;
}

int toe_dev_detach(struct net *net, int ifindex)
{
	struct net_device *ndev;
	struct toe_dev *dev;
	int err = 0;

	rtnl_lock();
	ndev = __dev_get_by_index(net, ifindex);
	dev = ndev ? toe_dev_find_by_ndev(ndev) : NULL;
	if (!ndev)
		err = -ENODEV;
	else if (!dev || !toe_dev_teardown(dev))
		err = -ENOENT;
	rtnl_unlock();
	if (dev)
		toe_dev_put(dev);
	return err;
}

static int toe_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *ndev = netdev_notifier_info_to_dev(ptr);
	struct toe_dev *dev;

	/*
	 * NETDEV_UNREGISTER also comes when the device moves to another
	 * namespace. A device that merely goes down keeps its engine:
	 * connections ride out the outage as the host's own do, and
	 * transmissions meanwhile are dropped and retransmitted.
	 */
	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	dev = toe_dev_find_by_ndev(ndev);
	if (!dev)
		return NOTIFY_DONE;
	toe_dev_teardown(dev);
	toe_dev_put(dev);
	return NOTIFY_DONE;
}

static struct notifier_block toe_netdev_notifier = {
	.notifier_call = toe_netdev_event,
};

int toe_dev_notifiers_register(void)
{
	int err;

	err = register_netdevice_notifier(&toe_netdev_notifier);
	if (err)
		return err;
	err = toe_neigh_notifiers_register();
	if (err)
		unregister_netdevice_notifier(&toe_netdev_notifier);
	return err;
}

void toe_dev_notifiers_unregister(void)
{
	toe_neigh_notifiers_unregister();
	unregister_netdevice_notifier(&toe_netdev_notifier);
}

/* ---- ioctls --------------------------------------------------------------------- */

static int toe_dev_ioctl_check(void __user *uarg, struct toe_attach *req,
			       struct net **net)
{
	if (copy_from_user(req, uarg, sizeof(*req)))
		return -EFAULT;
	*net = current->nsproxy->net_ns;
	if (!ns_capable((*net)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return 0;
}

long toe_dev_ioctl_attach(struct toe_ctx *ctx, void __user *uarg)
{
	struct toe_attach_opts opts = { .congestion = -1, .rx_defer_us = -1 };
	struct toe_attach req;
	struct net *net;
	int err;

	err = toe_dev_ioctl_check(uarg, &req, &net);
	if (err)
		return err;
	if (req.flags || req.reserved)
		return -EINVAL;
	opts.ifindex = req.ifindex;
	opts.cpu = req.cpu;
	opts.poll_idle_us = req.poll_idle_us;
	opts.buflets = req.buflets;
	return toe_dev_attach(net, &opts);
}

long toe_dev_ioctl_detach(struct toe_ctx *ctx, void __user *uarg)
{
	struct toe_attach req;
	struct net *net;
	int err;

	err = toe_dev_ioctl_check(uarg, &req, &net);
	if (err)
		return err;
	return toe_dev_detach(net, req.ifindex);
}
