#!/usr/bin/env node
console.log('portcullis');
