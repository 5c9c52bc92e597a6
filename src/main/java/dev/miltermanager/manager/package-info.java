/**
 * The fan-out: {@link dev.miltermanager.manager.MilterManager} takes an MTA's milter session and drives every
 * applicable child milter, folding their answers by the status lattice and merging their edits, with the C milter
 * manager's semantics (see {@code docs/manager.md}). Sessions come in over a socket or are driven in-process
 * through a {@link dev.miltermanager.manager.ManagerSession}.
 */
package dev.miltermanager.manager;
