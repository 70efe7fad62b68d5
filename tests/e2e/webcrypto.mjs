// retell-sdk signs with the Web Crypto API, global from Node 19 on; Debian's Node 18 needs it
// installed by hand.
import { webcrypto } from 'node:crypto';

if (!globalThis.crypto) globalThis.crypto = webcrypto;
