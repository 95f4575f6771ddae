//! TLS and token-signing material, made with the openssl CLI once per state folder.

use std::fs;
use std::process::Command;

use super::layout::Stack;
use super::util;

/// Makes the missing files of:
/// - `tls/ca.{crt,key}`: a CA (EC P-256, 10 years), what clients trust (like MSR's `/ca`);
/// - `tls/server.{crt,key}`: nginx's certificate for `IP:127.0.0.1, DNS:localhost`,
///   signed by that CA;
/// - `auth/token-signer.{key,crt}`: the JWT signing key (EC P-256 in PKCS#8, so ES256:
///   signing is cheap even in a debug build of msr-sim, where RSA costs ~50 ms a token)
///   and its self-signed certificate (the `x5c` of every token and notary's
///   `rootcertbundle`).
pub(crate) fn ensure(stack: &Stack) -> Result<(), String> {
    let tls = stack.path("tls");
    let auth = stack.path("auth");
    for dir in [&tls, &auth] {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // They hold private keys: only this user may list or enter them.
        util::make_private(dir, 0o700)?;
    }
    let ca_crt = tls.join("ca.crt");
    let ca_key = tls.join("ca.key");
    if !ca_crt.exists() || !ca_key.exists() {
        util::output(
            Command::new("openssl")
                .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
                .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650"])
                .arg("-keyout")
                .arg(&ca_key)
                .arg("-out")
                .arg(&ca_crt)
                .args(["-subj", "/O=MSR Lens/CN=MSR Lens stack CA"])
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
                .args(["-addext", "subjectKeyIdentifier=hash"]),
        )?;
        // A new CA invalidates the old server certificate.
        let _ = fs::remove_file(tls.join("server.crt"));
    }
    let server_crt = tls.join("server.crt");
    let server_key = tls.join("server.key");
    if !server_crt.exists() || !server_key.exists() {
        let csr = tls.join("server.csr");
        let ext = tls.join("server.ext");
        util::output(
            Command::new("openssl")
                .args(["req", "-new", "-newkey", "ec", "-pkeyopt"])
                .args(["ec_paramgen_curve:prime256v1", "-nodes"])
                .arg("-keyout")
                .arg(&server_key)
                .arg("-out")
                .arg(&csr)
                .args(["-subj", "/O=MSR Lens/CN=127.0.0.1"]),
        )?;
        fs::write(
            &ext,
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\n\
             subjectAltName=IP:127.0.0.1,DNS:localhost\n\
             authorityKeyIdentifier=keyid\n\
             subjectKeyIdentifier=hash\n",
        )
        .map_err(|e| format!("cannot write {}: {e}", ext.display()))?;
        let serial = format!("0x{}", util::random_hex(16)?);
        util::output(
            Command::new("openssl")
                .args([
                    "x509",
                    "-req",
                    "-days",
                    "825",
                    "-sha256",
                    "-set_serial",
                    &serial,
                ])
                .arg("-in")
                .arg(&csr)
                .arg("-CA")
                .arg(&ca_crt)
                .arg("-CAkey")
                .arg(&ca_key)
                .arg("-extfile")
                .arg(&ext)
                .arg("-out")
                .arg(&server_crt),
        )?;
        let _ = fs::remove_file(&csr);
        let _ = fs::remove_file(&ext);
    }
    let signer_key = auth.join("token-signer.key");
    let signer_crt = auth.join("token-signer.crt");
    if !signer_key.exists() || !signer_crt.exists() {
        util::output(
            Command::new("openssl")
                .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
                .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650"])
                .arg("-keyout")
                .arg(&signer_key)
                .arg("-out")
                .arg(&signer_crt)
                .args(["-subj", "/O=MSR Lens/CN=msr-lens-sim token signer"]),
        )?;
    }
    // openssl writes keys with the umask's mode: private keys are 0600.
    for key in [&ca_key, &server_key, &signer_key] {
        util::make_private(key, 0o600)?;
    }
    Ok(())
}
