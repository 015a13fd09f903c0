import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { Config } from './config-schema.js';

/** Connection settings shared by the client (CLI) and the worker's NativeConnection. */
export interface TemporalConnectionSettings {
  address: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
}

export function temporalConnectionOptions(config: Config): TemporalConnectionSettings {
  const { address, apiKey, tls } = config.temporal;
  return {
    address,
    ...(apiKey ? { apiKey } : {}),
    ...tlsOption(tls, Boolean(apiKey)),
  };
}

function tlsOption(tls: Config['temporal']['tls'], hasApiKey: boolean): { tls?: TLSConfig | boolean } {
  const hasFiles = Boolean(tls.clientCertPath || tls.clientKeyPath || tls.serverCaCertPath);
  if (tls.enabled === false) return {};
  // An API key (Temporal Cloud) or any certificate implies TLS.
  if (!tls.enabled && !hasFiles && !hasApiKey) return {};
  if (Boolean(tls.clientCertPath) !== Boolean(tls.clientKeyPath)) {
    throw new Error('temporal.tls: clientCertPath and clientKeyPath go together');
  }
  const config: TLSConfig = {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.serverCaCertPath ? { serverRootCACertificate: readPem(tls.serverCaCertPath) } : {}),
    ...(tls.clientCertPath && tls.clientKeyPath
      ? { clientCertPair: { crt: readPem(tls.clientCertPath), key: readPem(tls.clientKeyPath) } }
      : {}),
  };
  return { tls: Object.keys(config).length ? config : true };
}

function readPem(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read TLS file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export async function connectClient(config: Config, options: { connectTimeoutMs?: number } = {}): Promise<Client> {
  const connection = await Connection.connect({
    ...temporalConnectionOptions(config),
    connectTimeout: options.connectTimeoutMs ?? 5_000,
  });
  return new Client({ connection, namespace: config.temporal.namespace, identity: `ops-cli/${config.operator.id}` });
}
