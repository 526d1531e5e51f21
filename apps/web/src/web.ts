import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { Logger } from 'nestjs-pino';
import { join } from 'node:path';
import { trustProxy } from '@plaza/nest-runtime';
import type { WebConfig } from './config';
import { upstreams, WebModule } from './web.module';

export interface RunningWeb {
  readonly app: INestApplication;
  readonly url: string;
}

/**
 * The one origin a browser talks to: the built UI (with the single-page fallback to index.html) and
 * /api/proposals, /api/voting, /api/audit forwarded to the three services (round robin over a service's
 * instances when it has several) with the prefix removed. Bodies
 * are streamed through untouched (Nest's body parser is off), so the services see exactly what the
 * browser sent and answer with their own status codes and messages.
 */
export async function startWeb(config: WebConfig): Promise<RunningWeb> {
  const app = await NestFactory.create<NestExpressApplication>(WebModule.register(config), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Whose X-Forwarded-For this server believes (TRUST_PROXY, default: none): the client address it works out is the
  // only one it forwards, so a browser cannot put an address of its choice in front of the services' rate limits.
  app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  app.use(securityHeaders(config));
  for (const [name, targets] of Object.entries(upstreams(config))) {
    // Several instances: each request goes to the next one (round robin). One that is down answers 502 below,
    // which clients retry (with the same Idempotency-Key), and the retry goes to the next instance.
    let turn = 0;
    app.use(
      `/api/${name}`,
      createProxyMiddleware<Request, Response>({
        target: targets[0],
        ...(targets.length > 1 ? { router: () => targets[turn++ % targets.length] } : {}),
        changeOrigin: true,
        xfwd: false,
        proxyTimeout: 120_000,
        on: {
          proxyReq: (proxyReq, req) => {
            proxyReq.setHeader('x-forwarded-for', req.ip ?? req.socket.remoteAddress ?? '');
            proxyReq.setHeader('x-forwarded-proto', req.protocol);
            proxyReq.setHeader('x-forwarded-host', req.get('host') ?? '');
          },
          error: (error, _req, res) => {
            // The service is down or restarting: a clear 502 instead of a hung request.
            const out = res as Response;
            if ('headersSent' in out && !out.headersSent) {
              out.status(502).json({ message: `the ${name} service is not reachable (${(error as Error).message})` });
            }
          },
        },
      }),
    );
  }
  app.useStaticAssets(config.WEB_UI_DIR, { index: false, maxAge: '1h', setHeaders: noCacheForHtml });
  // Single-page app: every other GET that wants HTML is the app's index.html (the router draws the page).
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/api/') || req.path.startsWith('/health')) return next();
    if (/\.[a-z0-9]+$/i.test(req.path)) return next(); // a missing asset stays a 404
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(join(config.WEB_UI_DIR, 'index.html'), (error) => {
      if (error) next();
    });
  });
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  return { app, url: `http://${config.HOST}:${port}` };
}

function noCacheForHtml(res: Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('cache-control', 'no-cache');
  else if (/[/\\]assets[/\\]/.test(path)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
}

/**
 * Security headers for every answer of this origin (helmet): a Content-Security-Policy that lets the page load
 * only its own scripts, worker, styles and API (plus the OpenID Connect provider's origin for fetches) (no inline or third-party script, no plugins, never framed, forms
 * post only here), plus nosniff, a strict referrer policy and the rest of helmet's defaults. Inline *styles* are
 * allowed: React's style attributes and recharts' SVG need them, and a style cannot run code. No
 * upgrade-insecure-requests: on plain http (a LAN address, `npm start`) it would send every asset to https.
 */
function securityHeaders(config: WebConfig) {
  // The browser's OpenID Connect client reads the provider's discovery document and keys and calls its token,
  // revocation and end-session endpoints: that one origin is allowed too.
  const idp = config.AUTH_OIDC_ISSUER ? [new URL(config.AUTH_OIDC_ISSUER).origin] : [];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        workerSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", ...idp],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The page embeds nothing from other origins; COEP would only get in the way of a city adding an image host.
    crossOriginEmbedderPolicy: false,
  });
}
