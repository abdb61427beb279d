/**
 * Ukeys: the slow path's record of each installed megaflow, its state machine
 * (CREATED → INSTALLED → REMOVED → DELETED) and the sharded map that holds the live ones.
 */
package io.flowgate.slowpath.ukey;
