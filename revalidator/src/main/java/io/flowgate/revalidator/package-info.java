/**
 * Revalidators: dump and sweep rounds over installed megaflows, the dynamic flow limit, and the
 * IPVS-style rate estimator.
 */
package io.flowgate.revalidator;
