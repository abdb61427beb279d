/**
 * Revalidators: dump and sweep rounds over installed megaflows and their ukeys, rule timeouts, and
 * the dynamic flow limit. The IPVS-style rate estimator threads are in {@code estimator}.
 */
package io.flowgate.revalidator;
