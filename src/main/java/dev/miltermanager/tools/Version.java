package dev.miltermanager.tools;

/** The version of the jar the tools run from. */
final class Version {
    private Version() {
    }

    static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
