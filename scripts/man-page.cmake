# Writes kmsd.8 (roff) from `kmsd --help`: cmake -DKMSD=... -DOUT=... -DVERSION=... -P man-page.cmake
execute_process(COMMAND ${KMSD} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kmsd --help failed: ${rc}")
endif()
# roff treats a leading '.' or '\'' as a request, and '\' as an escape.
string(REPLACE "\\" "\\e" help "${help}")
string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
file(WRITE ${OUT} ".TH KMSD 8 \"\" \"kmsd ${VERSION}\" \"System Administration\"
.SH NAME
kmsd \\- a key management server that speaks the AWS KMS protocol
.SH SYNOPSIS
.nf
${help}.fi
.SH FILES
.TP
/etc/kmsd/kmsd.json
the config (accounts, users, roles and their secret keys; mode 0600)
.TP
/var/lib/kmsd
the data directory under systemd: root.key, state/ (keys and the audit log), tls/
.SH SEE ALSO
The README and docs/ in /usr/share/doc/kmsd.
")
