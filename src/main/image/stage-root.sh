#!/usr/bin/env bash
# Lays out the container image's file system in a folder, from what the build machine has: no registry,
# no Docker daemon. Jib then packs the folder onto `scratch` (pom.xml, profile "image").
#   /opt/java        a Java runtime made by jlink from the building JDK, with its own class-data-sharing
#                    archive of the JDK's classes (the dynamic archive of bin/camel-d1-backup is tied
#                    to the jar's path on the build machine, so the image cannot use it)
#   /lib*/...        the shared libraries that runtime and sqlite-jdbc's native library link to (glibc,
#                    libstdc++, zlib), copied from the build machine to the same paths
#   /etc             passwd and group with the unprivileged user nonroot (65532), nsswitch.conf
#   /app             the runnable jar, jvm.options (the launcher's JVM flags) and in lib/ sqlite-jdbc's
#                    native library (which it would otherwise unpack into /tmp at every start)
#   /tmp, /data      writable by anyone: the spool goes to /tmp;
#                    /data is the working folder, where the default target file:backups lands
# Usage: stage-root.sh ROOT JAR JVM_OPTIONS JAVA_HOME
set -euo pipefail
root=$1 jar=$2 options=$3 jdk=$4
rm -rf "$root"
mkdir -p "$root"/{app,etc,tmp,data,home/nonroot}

# The modules of Java SE (jdeps on the jar names java.se's desktop, naming, scripting, SQL, JFR and
# management among them), plus the JDK services a network client and server loads at run time:
# elliptic-curve TLS, Unsafe (Netty, Vert.x), JMX extensions (Micrometer), DNS naming, zip file
# systems, extra charsets.
"$jdk/bin/jlink" --add-modules java.se,jdk.crypto.ec,jdk.unsupported,jdk.management,jdk.jfr,jdk.naming.dns,jdk.zipfs,jdk.charsets \
  --strip-debug --no-man-pages --no-header-files --generate-cds-archive --output "$root/opt/java" >/dev/null
# AWT, sound and fonts link to X11 and friends, which the image leaves out: nothing here draws.
rm -f "$root"/opt/java/lib/{libawt.so,libawt_headless.so,libawt_xawt.so,libjawt.so,libfontmanager.so,libjsound.so,libsplashscreen.so,liblcms.so,libjavajpeg.so,libmlib_image.so}

# sqlite-jdbc unpacks its native library for this platform at run time; its needs count too.
native=$(mktemp -d)
trap 'rm -rf "$native"' EXIT
arch=$(uname -m)
(cd "$native" && "$jdk/bin/jar" xf "$jar" "org/sqlite/native/Linux/$arch/")
libs=$(find "$root/opt/java" "$native" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
  | xargs -0 ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' | sort -u)
for lib in $libs; do
  case "$lib" in "$root"/*|"$native"/*) continue ;; esac
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
missing=$(find "$root/opt/java" -type f -name '*.so' -print0 | LD_LIBRARY_PATH="$root/lib/$arch-linux-gnu" xargs -0 ldd 2>/dev/null \
  | grep 'not found' | grep -v 'libjvm.so' || true)
[ -z "$missing" ] || { echo "stage-root.sh: libraries not found: $missing" >&2; exit 1; }

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
echo "hosts: files dns" > "$root/etc/nsswitch.conf"

cp "$jar" "$root/app/camel-d1-backup.jar"
mkdir -p "$root/app/lib"
cp "$native/org/sqlite/native/Linux/$arch/"* "$root/app/lib/"
cp "$options" "$root/app/jvm.options"
