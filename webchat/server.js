#!/usr/bin/env node
// One loopback port for the browser: the Web Chat page and a local Direct Line
// (offline-directline's router) that relays between the page and the bot.
'use strict';

const path = require('path');
const express = require('express');
const { getRouter } = require('offline-directline');

const HOST = '127.0.0.1';

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (!['--port', '--bot'].includes(name) || value === undefined) {
      throw new Error(`usage: node server.js --port PORT --bot http://127.0.0.1:3978/api/messages (got ${name})`);
    }
    args[name.slice(2)] = value;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port must be a port number, got ${JSON.stringify(args.port)}`);
  }
  if (!/^https?:\/\//.test(args.bot || '')) {
    throw new Error(`--bot must be the bot's messaging URL, got ${JSON.stringify(args.bot)}`);
  }
  return { port, botUrl: args.bot };
}

function main() {
  const { port, botUrl } = parseArgs(process.argv.slice(2));
  const origin = `http://${HOST}:${port}`;
  const app = express();
  app.use(express.static(path.join(__dirname, 'public')));
  app.use('/vendor', express.static(path.join(__dirname, 'vendor')));
  // offline-directline issues no tokens; Web Chat still refreshes its token every 15 minutes.
  app.post('/directline/tokens/refresh', (req, res) => res.json({ token: 'local' }));
  app.use(getRouter(origin, botUrl));

  // offline-directline forwards to the bot without catching errors: say so instead of dying.
  process.on('unhandledRejection', (error) => {
    console.error(`Direct Line could not reach the bot at ${botUrl}: ${error && error.message}`);
  });

  const server = app.listen(port, HOST, () => {
    console.log(`Web Chat page and Direct Line on ${origin}/ (Direct Line: ${origin}/directline, bot: ${botUrl})`);
  });
  server.on('error', (error) => {
    console.error(`Cannot listen on ${HOST}:${port}: ${error.message}`);
    process.exit(1);
  });
}

try {
  main();
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
