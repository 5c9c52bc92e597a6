/**
 * An example milter written with {@link dev.miltermanager.milter}: greylisting, the child the seed's showcase applies
 * only to suspicious clients ({@code docs/showcase.md}). Runnable with
 * {@code java -cp milter-manager.jar dev.miltermanager.examples.greylist.GreylistMilter}.
 */
package dev.miltermanager.examples.greylist;
