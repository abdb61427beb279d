/**
 * Load balancing for select groups, after Linux IPVS: per-bucket connection counts with overload
 * thresholds ({@link io.flowgate.slowpath.lb.Backend}), the schedulers that pick a bucket for a new
 * connection ({@link io.flowgate.slowpath.lb.Scheduler}), and the connection table that keeps each
 * connection on its bucket, across restarts ({@link io.flowgate.slowpath.lb.ConnectionTable}).
 * {@link io.flowgate.slowpath.lb.LoadBalancer} ties them to translation and to the ukey lifecycle.
 */
package io.flowgate.slowpath.lb;
