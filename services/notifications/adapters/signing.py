"""Each office signs its letters and certificates (PAdES, with pyHanko) with its own key.

An office's key is an ECDSA P-256 key with a self-issued certificate naming the office, made the
first time the office is set up (its ``registry.office`` event) or signs, and kept as a secret file
in ``signing_keys_dir`` (mode 0600; in production a mounted secret), so every worker of the
machine signs with the same key. Verifiers trust an office's certificate as published by the
platform (``certificate(region)``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers

from shared import regions

VALIDITY = dt.timedelta(days=3650)


class OfficeKeys:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _paths(self, region: str) -> tuple[Path, Path]:
        name = region or "nasional"
        return self.directory / f"{name}.key.pem", self.directory / f"{name}.cert.pem"

    def ensure(self, region: str) -> None:
        """Makes the office's key and certificate unless they exist (written whole, then renamed)."""
        key_path, cert_path = self._paths(region)
        if key_path.exists() and cert_path.exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        r = regions.get(region) if region else None
        office = f"Badan Kesatuan Bangsa dan Politik {r.name}" if r else "Ditjen Polpum Kementerian Dalam Negeri"
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, office[:64]),
                          x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, region or "nasional"),
                          x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + VALIDITY)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                             crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        for path, data, mode in ((key_path, pem, 0o600), (cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)):
            if path.exists():
                continue  # another worker made it meanwhile: its pair wins
            fd, tmp = tempfile.mkstemp(dir=self.directory)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, mode)
            os.replace(tmp, path)

    def certificate(self, region: str) -> bytes:
        """The office's certificate (PEM), as verifiers trust it."""
        self.ensure(region)
        return self._paths(region)[1].read_bytes()

    @functools.lru_cache(maxsize=64)
    def signer(self, region: str) -> signers.SimpleSigner:
        self.ensure(region)
        key_path, cert_path = self._paths(region)
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            cert_registry=None)

    @functools.lru_cache(maxsize=64)
    def cms(self, region: str) -> Callable[[bytes], bytes]:
        """``digest → CMS signed data`` (PAdES signed attributes, DER) for the documents layer,
        which writes the signature dictionary itself (``domain/documents.py``).

        pyHanko makes the office's signed data once, for a zero digest; each document then takes a
        copy with its own message digest (a fixed 32 bytes in the signed attributes) and its own
        ECDSA signature over them, drawn again until it has the first one's DER length, so no
        length around it changes — rebuilding the structure with asn1crypto took 7 ms a letter."""
        signer = self.signer(region)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # its own loop, whether or not the caller runs one
            base = pool.submit(asyncio.run, signer.async_sign(bytes(32), "sha256", use_pades=True)).result()
        info = base["content"]["signer_infos"][0]
        names = [a["type"].native for a in info["signed_attrs"]]
        if "signing_time" in names or names.count("message_digest") != 1:
            raise RuntimeError(f"unexpected signed attributes: {names}")
        der = base.dump()
        attrs = info["signed_attrs"].dump()
        at = der.index(attrs)
        digest_at = at + attrs.index(b"\x04\x20" + bytes(32)) + 2
        old = info["signature"].native
        sig_at = der.index(b"\x04" + bytes([len(old)]) + old) + 2
        key = serialization.load_pem_private_key(self._paths(region)[0].read_bytes(), None)

        def sign(digest: bytes) -> bytes:
            out = bytearray(der)
            out[digest_at:digest_at + 32] = digest
            signed = b"\x31" + bytes(out[at + 1:at + len(attrs)])  # the attributes as a SET, as signed
            while len(sig := key.sign(signed, ec.ECDSA(hashes.SHA256()))) != len(old):
                pass
            out[sig_at:sig_at + len(old)] = sig
            return bytes(out)
        return sign

    def subject(self, region: str) -> str:
        """The office's name as its certificate gives it."""
        return self.signer(region).signing_cert.subject.native.get("common_name", "")
