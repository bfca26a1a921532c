console.error('boom');
process.exit(3);
