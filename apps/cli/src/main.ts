console.log('plaza cli', process.argv.slice(2).join(' '));
