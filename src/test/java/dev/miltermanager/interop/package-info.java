/**
 * The real-peer test harness: child milters built on Sendmail's libmilter and on pymilter
 * ({@link dev.miltermanager.interop.InteropChild}), a private Postfix per test
 * ({@link dev.miltermanager.interop.PostfixInstance}), an SMTP sink behind it
 * ({@link dev.miltermanager.interop.SmtpSink}) and an SMTP client in front of it
 * ({@link dev.miltermanager.interop.SmtpClient}).
 *
 * <p>Missing peers (gcc, libmilter-dev, python3-milter, postfix, root) fail loudly; nothing is skipped.
 * Every test starts and stops what it uses; no process outlives it.
 */
package dev.miltermanager.interop;
