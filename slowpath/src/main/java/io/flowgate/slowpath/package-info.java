/**
 * The slow path: rule syntax, the OpenFlow-style rule pipeline and its classifier, translation of
 * a missed packet into a megaflow, groups and schedulers, upcall handlers and ukeys.
 */
package io.flowgate.slowpath;
