/**
 * The Apache James bridge: {@link dev.miltermanager.james.MilterMailet} runs each mail of a James mailet
 * processor through the manager's child milters in-process, playing the MTA's part, and turns the milters'
 * verdict and edits into James terms (processors, ghost, retry, attributes). Compiled against the Mailet API
 * (provided by James at run time); nothing outside this package refers to it, so the daemon runs without it.
 * See {@code docs/james.md}.
 */
package dev.miltermanager.james;
